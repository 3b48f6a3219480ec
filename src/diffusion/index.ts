// Diffusion: schedules (float64), the forward process, conversions between predictions, training objectives.
export * from './schedules.js';
export * from './conversions.js';
export * from './forward.js';
export * from './objectives.js';
