// The samplers' names, default step counts and grid kinds: the one table the CLI help, the CLI, the playground API and the
// samplers themselves read (no imports, so the page's bundle can take it too).
export const samplerNames = ['ddpm', 'ddim', 'euler-maruyama', 'pc', 'heun', 'dpmpp-2m'] as const;
export type SamplerName = (typeof samplerNames)[number];

/**
 * Steps each sampler runs when none are asked for. 'T': every step of a discrete schedule (DDPM's Algorithm 2;
 * 1000 on a continuous one). Heun and DPM-Solver++(2M) follow EDM and DPM-Solver's own settings.
 */
export const defaultSamplerSteps: Readonly<Record<SamplerName, number | 'T'>> = {
  ddpm: 'T',
  ddim: 50,
  'euler-maruyama': 500,
  pc: 500,
  heun: 18,
  'dpmpp-2m': 20,
};

/** The default step count of a sampler on a schedule with numTimesteps discrete steps (null: continuous). */
export function defaultStepsFor(name: SamplerName, numTimesteps: number | null): number {
  const d = defaultSamplerSteps[name];
  return d === 'T' ? (numTimesteps ?? 1000) : d;
}

/** "ddpm: T, ddim: 50, ...": the defaults as help text. */
export const defaultStepsText = samplerNames.map((n) => `${n}: ${defaultSamplerSteps[n]}`).join(', ');

/**
 * The grid each sampler spreads its steps on: 'time', the schedule's own times (DDPM's and DDIM's strided
 * timesteps, the SDE solvers' uniform times); 'karras', the rho = 7 grid of noise levels (EDM, Karras et al.
 * 2022 eq. 5), which the ODE solvers were designed for.
 */
export const samplerGridKinds: Readonly<Record<SamplerName, 'time' | 'karras'>> = {
  ddpm: 'time',
  ddim: 'time',
  'euler-maruyama': 'time',
  pc: 'time',
  heun: 'karras',
  'dpmpp-2m': 'karras',
};
