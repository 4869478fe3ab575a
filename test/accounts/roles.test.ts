import t from 'tap'
import { notARole, parseRole } from '../../src/accounts/roles.js'
import { BadRequestError } from '../../src/errors.js'

t.test('parseRole accepts the four roles and names the field otherwise, lowest role first', async (t) => {
  for (const role of ['browse', 'design', 'publish', 'admin']) t.equal(parseRole(role), role)
  t.equal(notARole('scope'), 'scope must be one of browse, design, publish, admin')
  for (const value of [undefined, '', 'owner', 'Admin', ['admin'], 3]) {
    t.throws(() => parseRole(value, 'permission'), new BadRequestError(notARole('permission')))
  }
})
