import testing from './testing.cjs'

export const { signedDelivery, unsignedDelivery, sign, sampleMessage } = testing
export default testing
