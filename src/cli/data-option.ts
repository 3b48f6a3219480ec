// A data source option (--data, --test, --real, --floor-data) read like every other option: an unknown source or
// a missing folder is a usage error naming the option, before anything is loaded.
import { checkDataSpec, loadDatasetAsync, type Dataset, type ImageFolderOptions } from '../index.js';
import { UsageError, str } from './command.js';

/** The spec given for option `name` (or the fallback), its form checked. */
export function readDataSpec(v: unknown, name: string, fallback?: string): string {
  const spec = str(v, name, fallback);
  try {
    checkDataSpec(spec);
  } catch (e) {
    throw new UsageError(`--${name}: ${(e as Error).message}`);
  }
  return spec;
}

/** A data source's images, as train reads them (folders decoded by libvips and cached). */
export async function loadData(spec: string, folder: ImageFolderOptions = {}): Promise<Dataset> {
  return (await loadDatasetAsync(spec, folder)).dataset;
}
