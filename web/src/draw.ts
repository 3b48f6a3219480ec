// Drawing on a canvas with a round brush (mouse, pen and touch through pointer events): the SDEdit sketch pad
// and the inpainting mask.

export interface Pad {
  canvas: HTMLCanvasElement;
  clear(): void;
  setBrush(o: { size?: number; color?: string }): void;
}

export function drawingPad(
  canvas: HTMLCanvasElement,
  o: { background: string; color: string; size: number; onChange?: () => void },
): Pad {
  const ctx = canvas.getContext('2d')!;
  let color = o.color,
    size = o.size;
  let last: { x: number; y: number } | null = null;
  const clear = () => {
    ctx.fillStyle = o.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    o.onChange?.();
  };
  const at = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const stroke = (p: { x: number; y: number }) => {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = size;
    ctx.lineCap = 'round';
    ctx.beginPath();
    if (last) {
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
    } else {
      ctx.arc(p.x, p.y, size / 2, 0, 2 * Math.PI);
      ctx.fill();
    }
    last = p;
  };
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = null;
    stroke(at(e));
  });
  canvas.addEventListener('pointermove', (e) => {
    if (last) stroke(at(e));
  });
  const end = () => {
    if (last) {
      last = null;
      o.onChange?.();
    }
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();
  return {
    canvas,
    clear,
    setBrush(b) {
      color = b.color ?? color;
      size = b.size ?? size;
    },
  };
}

/**
 * Draws a picture (a data URL or an object URL), pixels kept sharp: 'fill' scales it to the canvas (the drawing
 * pads), 'natural' resizes the canvas to the picture (results; CSS scales them up).
 */
export function drawImage(canvas: HTMLCanvasElement, src: string, mode: 'fill' | 'natural' = 'fill'): Promise<void> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => {
      if (mode === 'natural') [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
      const ctx = canvas.getContext('2d')!;
      ctx.imageSmoothingEnabled = false;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      resolve();
    };
    img.onerror = () => reject(new Error('cannot load the picture'));
    img.src = src;
  });
}
