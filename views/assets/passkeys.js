// Passkeys (CONTRACT 9): "Add a passkey" in the passkeys section, "Sign in with a
// passkey" on /login and "Confirm with a passkey" on the step-up page. The WebAuthn
// calls come from @simplewebauthn/browser, served from our own origin; the JSON
// steps carry the page's CSRF token in a header.
// No inline script (CSP).
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '/assets/webauthn/index.js'

async function postJson(url, csrf, body) {
  const response = await fetch(url, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrf },
    body: JSON.stringify(body),
  })
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(data.message || `Latchkey answered ${response.status}.`)
  return data
}

// The browser's refusals (cancelled, timed out, no such passkey) as a person reads them.
function messageOf(error, cancelled) {
  if (error && error.name === 'NotAllowedError') return cancelled
  if (error && error.name === 'InvalidStateError') return 'This device already holds one of your passkeys.'
  return (error && error.message) || 'Something went wrong.'
}

function show(element, message) {
  element.textContent = message
  element.hidden = false
}

const addForm = document.querySelector('[data-passkey-register]')
if (addForm) {
  const problem = addForm.querySelector('[data-passkey-problem]')
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault()
    problem.hidden = true
    if (!browserSupportsWebAuthn()) return show(problem, 'This browser cannot create passkeys.')
    const csrf = addForm.dataset.csrf
    const name = addForm.elements.name.value
    try {
      const { options } = await postJson('/settings/profile/passkeys/options', csrf, { name })
      const response = await startRegistration({ optionsJSON: options })
      const { redirect } = await postJson('/settings/profile/passkeys', csrf, { name, response })
      window.location.assign(redirect)
    } catch (error) {
      show(problem, messageOf(error, 'No passkey was created: the request was cancelled or timed out.'))
    }
  })
}

const signIn = document.querySelector('[data-passkey-sign-in]')
if (signIn) {
  const button = signIn.querySelector('button')
  const problem = signIn.querySelector('[data-passkey-problem]')
  signIn.hidden = !browserSupportsWebAuthn()
  button.addEventListener('click', async () => {
    problem.hidden = true
    const csrf = signIn.dataset.csrf
    try {
      const { options } = await postJson('/login/passkey/options', csrf, { next: signIn.dataset.next })
      const response = await startAuthentication({ optionsJSON: options })
      const { redirect } = await postJson('/login/passkey', csrf, { response })
      window.location.assign(redirect)
    } catch (error) {
      show(problem, messageOf(error, 'No passkey was used: the request was cancelled or timed out.'))
    }
  })
}

// The step-up confirmation (views/step-up/confirm.eta): the assertion goes into
// the form's hidden field, and the form (carrying the original one) is posted. The
// form's own properties are not used: a carried field may be named like one.
const stepUp = document.querySelector('[data-passkey-step-up]')
if (stepUp) {
  const form = stepUp.querySelector('form')
  const button = form.querySelector('button')
  const problem = stepUp.querySelector('[data-passkey-problem]')
  stepUp.hidden = !browserSupportsWebAuthn()
  button.addEventListener('click', async () => {
    problem.hidden = true
    try {
      const response = await startAuthentication({ optionsJSON: JSON.parse(stepUp.dataset.options) })
      form.querySelector('input[name="step_up_passkey"]').value = JSON.stringify(response)
      HTMLFormElement.prototype.submit.call(form)
    } catch (error) {
      show(problem, messageOf(error, 'No passkey was used: the request was cancelled or timed out.'))
    }
  })
}
