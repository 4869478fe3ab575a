import type { FastifyReply } from 'fastify'
import { AppError } from '../errors.js'

/**
 * The one way a form is answered. Runs the form's action: a path it returns is
 * answered 303 (post/redirect/get); a page it has rendered itself (a secret shown
 * once, a filtered list) is sent as it is. A refusal the person can act on (400,
 * 403, 409 …) is shown on the form by `showProblem`, with the error's status; a
 * 404 and unexpected errors go to the error handler as usual.
 */
export async function redirectOrShowProblem(
  reply: FastifyReply,
  action: () => Promise<string | FastifyReply>,
  showProblem: (reply: FastifyReply, problem: string) => unknown,
): Promise<unknown> {
  try {
    const outcome = await action()
    return typeof outcome === 'string' ? reply.redirect(outcome, 303) : outcome
  } catch (error) {
    if (!(error instanceof AppError) || error.statusCode === 404) throw error
    return showProblem(reply.code(error.statusCode), error.message)
  }
}

/** The success message for `?notice=<key>` (the one query parameter every page uses for it). */
export function noticeFor(notices: Record<string, string>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(notices, key) ? notices[key] : undefined
}

/** What a page that answers its own forms is drawn with: the form as sent and its problem, or the notice after a redirect. */
export interface PageState<Form> {
  form?: Form
  problem?: string
  notice?: string
}

/**
 * A page that is its own form (a list with its add form and row actions): its GET
 * shows the notice the last redirect named, and a refused form is answered with
 * the page again, the form as sent and the problem on it (`redirectOrShowProblem`).
 */
export function selfFormPage<Form>(
  notices: Record<string, string>,
  render: (reply: FastifyReply, state: PageState<Form>) => unknown,
) {
  return {
    withNotice: (reply: FastifyReply, key: string | undefined) =>
      render(reply, { notice: noticeFor(notices, key) }),
    withProblem:
      (form?: Form) =>
      (reply: FastifyReply, problem: string): unknown =>
        render(reply, { problem, form }),
  }
}
