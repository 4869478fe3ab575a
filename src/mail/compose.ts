import { join } from 'node:path'
import { Eta } from 'eta'
import { VIEWS_DIR } from '../http/views.js'
import type { MailMessage } from './transport.js'

const MAIL_DIR = join(VIEWS_DIR, 'mail')

// Two engines over the same folder: the HTML part escapes every value, the
// plain-text part must not (an address with "&" stays as typed). Templates are
// small and read once.
const html = new Eta({ views: MAIL_DIR, cache: true, autoEscape: true, autoTrim: false })
const text = new Eta({ views: MAIL_DIR, cache: true, autoEscape: false, autoTrim: false })

export interface MailContent {
  /** The template pair `views/mail/<template>.txt.eta` and `<template>.html.eta`. */
  template: string
  subject: string
  /** Values for the templates; every link must be an absolute URL under PUBLIC_URL. */
  data: Record<string, unknown>
}

/**
 * Renders one message: a plain-text part in which every link stands alone on its
 * own line (CONTRACT 8), and an HTML part in `views/mail/layout.html.eta`.
 */
export function composeMail(to: string, content: MailContent): MailMessage {
  const data = { ...content.data, subject: content.subject }
  return {
    to,
    subject: content.subject,
    text: text.render(`./${content.template}.txt.eta`, data),
    html: html.render('./layout.html.eta', {
      ...data,
      body: html.render(`./${content.template}.html.eta`, data),
    }),
  }
}
