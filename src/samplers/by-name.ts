// A sampler by its name (what the CLI, the API and the jobs hold), with its one extra option bound.
import { bindSampler, type Sampler } from './common.js';
import { ddim } from './ddim.js';
import { ddpm } from './ddpm.js';
import { dpmpp2m } from './dpmpp-2m.js';
import { eulerMaruyama } from './euler-maruyama.js';
import { heun } from './heun.js';
import type { SamplerName } from './names.js';
import { predictorCorrector } from './predictor-corrector.js';

export interface SamplerExtras {
  /** DDIM's stochasticity in [0, 1]. Default 0. */
  eta?: number;
  /** DDPM's step variance. Default 'posterior'. */
  variance?: 'posterior' | 'beta';
}

/** The named sampler; extras that do not apply to it are ignored. */
export function samplerFor(name: SamplerName, extra: SamplerExtras = {}): Sampler {
  switch (name) {
    case 'ddpm':
      return extra.variance ? bindSampler(ddpm, { variance: extra.variance }) : ddpm;
    case 'ddim':
      return extra.eta !== undefined ? bindSampler(ddim, { eta: extra.eta }) : ddim;
    case 'euler-maruyama':
      return eulerMaruyama;
    case 'pc':
      return predictorCorrector;
    case 'heun':
      return heun;
    case 'dpmpp-2m':
      return dpmpp2m;
  }
}
