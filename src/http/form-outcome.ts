import type { FastifyReply } from 'fastify'
import { AppError } from '../errors.js'

/**
 * Runs a form's action and answers 303 to the page it returns (post/redirect/get).
 * A refusal the person can act on (400, 403, 409 …) is shown on the form instead;
 * a 404 and unexpected errors go to the error handler as usual.
 */
export async function redirectOrShowProblem(
  reply: FastifyReply,
  action: () => Promise<string>,
  showProblem: (reply: FastifyReply, problem: string) => unknown,
): Promise<unknown> {
  try {
    return reply.redirect(await action(), 303)
  } catch (error) {
    if (!(error instanceof AppError) || error.statusCode === 404) throw error
    return showProblem(reply.code(error.statusCode), error.message)
  }
}
