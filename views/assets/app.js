// Copy buttons: <button data-copy="#element-id">Copy</button>. No inline script (CSP).
document.addEventListener('click', (event) => {
  const button = event.target.closest('[data-copy]')
  if (button) {
    const source = document.querySelector(button.getAttribute('data-copy'))
    const value = source ? (source.value ?? source.textContent).trim() : ''
    navigator.clipboard.writeText(value).then(
      () => {
        button.textContent = 'Copied'
        setTimeout(() => (button.textContent = 'Copy'), 2000)
      },
      () => {
        if (source && source.select) source.select()
      },
    )
  }
})
// Forms with data-confirm ask before submitting (revoke, delete).
document.addEventListener('submit', (event) => {
  const message = event.target.getAttribute('data-confirm')
  if (message && !window.confirm(message)) event.preventDefault()
})
