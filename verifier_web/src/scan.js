// Reading QR codes from images and camera frames: the browser's BarcodeDetector where it
// supports QR codes, else the bundled jsQR decoder on the pixels of a canvas.
import jsQR from 'jsqr';

const MAX_SIDE = 2400; // larger photos are scaled down first: jsQR's time grows with pixels

let nativeDetector; // undefined: not probed yet; null: none

async function detector() {
  if(nativeDetector === undefined) {
    nativeDetector = null;
    if('BarcodeDetector' in globalThis) {
      try {
        const formats = await globalThis.BarcodeDetector.getSupportedFormats();
        if(formats.includes('qr_code')) {
          nativeDetector = new globalThis.BarcodeDetector({formats: ['qr_code']});
        }
      } catch {
        nativeDetector = null;
      }
    }
  }
  return nativeDetector;
}

/** Which decoder this browser uses: "BarcodeDetector" or "jsQR". */
export async function decoderName() {
  return (await detector()) ? 'BarcodeDetector' : 'jsQR';
}

/**
 * The text of the first QR code in `source`, or null.
 *
 * @param {CanvasImageSource} source - An ImageBitmap, a video element or a canvas.
 * @param {number} width - Source width in pixels.
 * @param {number} height - Source height in pixels.
 * @param {object} [options] - Options.
 * @param {boolean} [options.thorough=false] - Also try inverted (light-on-dark) codes.
 * @returns {Promise<string|null>} The QR text.
 */
export async function readQr(source, width, height, {thorough = false} = {}) {
  const native = await detector();
  if(native) {
    const codes = await native.detect(source);
    return codes.length ? codes[0].rawValue : null;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const context = canvas.getContext('2d', {willReadFrequently: true});
  context.drawImage(source, 0, 0, w, h);
  const pixels = context.getImageData(0, 0, w, h);
  const code = jsQR(pixels.data, w, h, {
    inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert'
  });
  return code ? code.data : null;
}
