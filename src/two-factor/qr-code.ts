import QRCode from 'qrcode'

/**
 * The QR code of an `otpauth://` URI as an SVG element, drawn on the server (no
 * image service sees the secret). The markup is the qrcode package's own (paths
 * only, no text from the URI), so the page may include it as it is; the SVG gets
 * an accessible name.
 */
export async function qrCodeSvg(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' })
  return svg.replace('<svg ', '<svg role="img" aria-label="QR code for your authenticator app" class="qr" ')
}
