import t from 'tap'
import { formatScope, parseScope } from '../../src/oauth/scope.js'

t.test('a scope is at most one permission, not above the application, plus identity scopes', async (t) => {
  const read = (value: string | undefined) => {
    const outcome = parseScope(value, 'publish')
    return outcome.ok ? formatScope(outcome.scope) : `error: ${outcome.description}`
  }
  t.equal(read(undefined), 'publish', 'none named: the application permission')
  t.equal(read(''), 'publish')
  t.equal(read('browse'), 'browse')
  t.equal(read('email openid  browse openid'), 'browse openid email', 'any order, repeats count once')
  t.equal(read('offline_access profile'), 'publish profile offline_access')
  t.match(read('admin'), /at most publish/)
  t.match(read('browse design'), /more than one permission/)
  t.match(read('openid address'), /Unknown scope "address"/)
})
