// The route handler in route.mjs, served by the shared node:http → fetch adapter.
import { serve } from '../node-shared/fetch-server.mjs'
import { POST } from './route.mjs'

serve(POST)
