import { BadRequestError } from '../errors.js'
import { passwordProblem } from '../security/passwords.js'

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

export interface NewPerson {
  email: string
  name: string
  password: string
}

/** Normalises and checks an email address; throws a 400 naming the field. */
export function validateEmail(input: string): string {
  const email = input.trim()
  if (!EMAIL.test(email) || email.length > 320)
    throw new BadRequestError('email must be a valid email address')
  return email
}

/** Normalises and checks a new user's fields; throws a 400 naming the field. */
export function validatePerson(input: NewPerson): NewPerson {
  const email = validateEmail(input.email)
  const name = input.name.trim()
  if (name.length < 1 || name.length > 200) throw new BadRequestError('name must be 1 to 200 characters')
  const problem = passwordProblem(input.password)
  if (problem) throw new BadRequestError(problem)
  return { email, name, password: input.password }
}
