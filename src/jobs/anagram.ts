// Visual anagrams (Geng et al. 2024): one picture that reads as A as it is and as B under a view (a flip, a
// rotation, a negation). Its fields, once, and their parsing for every door.
import { negativePromptField, readCondition, readSampling, samplingFields } from './common-fields.js';
import { choice, classOf, int, readChoice, readNumber, text, type Door, type FieldContext } from './fields.js';
import { anagramViews, jobDefaults, type AnagramSpec } from './specs.js';

export const fields = {
  n: int(jobDefaults.anagram.count, { min: 1 }, 'number of images'),
  classA: classOf('class of the picture as it is (name or id)'),
  classB: classOf('class of the picture under the view'),
  promptA: text('prompt of the picture as it is (models that read text)'),
  promptB: text('prompt of the picture under the view'),
  negativePrompt: negativePromptField,
  view: choice(anagramViews, jobDefaults.anagram.view, anagramViews.join('|')),
  ...samplingFields('anagram'),
};

export function parse(door: Door, ctx: FieldContext): AnagramSpec {
  return {
    kind: 'anagram',
    count: readNumber(door, 'n', fields.n, ctx)!,
    a: readCondition(door, ctx, { class: 'classA', prompt: 'promptA', negative: 'negativePrompt', side: true }),
    b: readCondition(door, ctx, { class: 'classB', prompt: 'promptB', side: true }),
    view: readChoice(door, 'view', fields.view)!,
    ...readSampling(door, 'anagram', ctx),
  };
}
