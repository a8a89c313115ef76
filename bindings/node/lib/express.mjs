import express from './express.cjs'

export const { middleware } = express
export default middleware
