/**
 * The event name of a page or screen call under `mapping.pageNaming` (docs/mapping.md). `viewed-name`
 * is Segment (Actions)' preset template "Viewed {name}" (docs/mapping.md); the others
 * reproduce the Classic settings (Segment's Classic documentation). An unnamed call is always "Loaded a Page" /
 * "Loaded a Screen": Segment (Actions) sends "Viewed " with a trailing space (A29).
 */
import type { MappingConfig } from '../config/schema.js';

export type PageNaming = MappingConfig['pageNaming'];

export function pageEventName(
  type: 'page' | 'screen',
  naming: PageNaming,
  name: string | undefined,
  category: string | undefined,
): string {
  const noun = type === 'page' ? 'Page' : 'Screen';
  switch (naming) {
    case 'consolidated':
      return `Loaded a ${noun}`;
    case 'viewed-name':
      return name === undefined ? `Loaded a ${noun}` : `Viewed ${name}`;
    case 'categorized':
      if (category !== undefined) {
        return name === undefined
          ? `Viewed ${category} ${noun}`
          : `Viewed ${category} ${name} ${noun}`;
      }
      return name === undefined ? `Loaded a ${noun}` : `Viewed ${name} ${noun}`;
    case 'named':
      return name === undefined ? `Loaded a ${noun}` : `Viewed ${name} ${noun}`;
  }
}
