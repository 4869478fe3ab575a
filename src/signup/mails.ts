import type { MailContent } from '../mail/compose.js'
import { linkUrl } from '../security/link-tokens.js'
import type { SignupRequest } from './service.js'

/** An absolute URL of a page under PUBLIC_URL (kept with its path, as `linkUrl` does). */
function pageUrl(publicUrl: string, path: string): string {
  return new URL(path.replace(/^\/+/, ''), `${publicUrl}/`).href
}

/**
 * The one mail a sign-up sends: the activation link to a new address, or to a
 * registered one a notice with the ways back in (sign-in, forgotten password)
 * and no link that creates anything.
 */
export function signupMail(publicUrl: string, request: SignupRequest): { to: string; content: MailContent } {
  if (request.kind === 'known') {
    return {
      to: request.email,
      content: {
        template: 'signup-known',
        subject: 'You already have a Latchkey account',
        data: {
          loginLink: pageUrl(publicUrl, '/login'),
          forgotLink: pageUrl(publicUrl, '/password/forgot'),
        },
      },
    }
  }
  return {
    to: request.email,
    content: {
      template: 'activate',
      subject: 'Activate your Latchkey account',
      data: {
        name: request.name,
        accountName: request.accountName,
        link: linkUrl(publicUrl, '/activate', request.token),
      },
    },
  }
}
