import type { FastifyReply } from 'fastify'
import t from 'tap'
import { BadRequestError, ConflictError, NotFoundError, PermissionError } from '../../src/errors.js'
import { noticeFor, redirectOrShowProblem } from '../../src/http/form-outcome.js'

/** A stand-in reply that records what the helper did with it. */
function fakeReply() {
  const seen: { redirect?: [string, number]; code?: number } = {}
  const reply = {
    redirect(url: string, code: number) {
      seen.redirect = [url, code]
      return reply
    },
    code(status: number) {
      seen.code = status
      return reply
    },
  } as unknown as FastifyReply
  return { reply, seen }
}

t.test('a path is answered 303 (post/redirect/get)', async (t) => {
  const { reply, seen } = fakeReply()
  await redirectOrShowProblem(
    reply,
    async () => '/done?notice=saved',
    () => t.fail('no problem'),
  )
  t.same(seen.redirect, ['/done?notice=saved', 303])
})

t.test('a page the action rendered itself is sent as it is', async (t) => {
  const { reply, seen } = fakeReply()
  t.equal(
    await redirectOrShowProblem(
      reply,
      async () => reply,
      () => t.fail('no problem'),
    ),
    reply,
  )
  t.equal(seen.redirect, undefined)
})

t.test('a refusal the person can act on is shown on the form with its status', async (t) => {
  for (const error of [new BadRequestError('bad'), new PermissionError('no'), new ConflictError('taken')]) {
    const { reply, seen } = fakeReply()
    const shown = await redirectOrShowProblem(
      reply,
      async () => {
        throw error
      },
      (_r, problem) => problem,
    )
    t.equal(shown, error.message)
    t.equal(seen.code, error.statusCode)
  }
})

t.test('a 404 and unexpected errors go to the error handler', async (t) => {
  for (const error of [new NotFoundError(), new Error('boom')]) {
    const { reply } = fakeReply()
    await t.rejects(
      redirectOrShowProblem(
        reply,
        async () => {
          throw error
        },
        () => t.fail('not shown'),
      ),
      error,
    )
  }
})

t.test('noticeFor knows only its own keys', async (t) => {
  const notices = { saved: 'Saved.' }
  t.equal(noticeFor(notices, 'saved'), 'Saved.')
  t.equal(noticeFor(notices, undefined), undefined)
  t.equal(noticeFor(notices, 'other'), undefined)
  t.equal(noticeFor(notices, 'constructor'), undefined)
  t.equal(noticeFor(notices, '__proto__'), undefined)
})
