import { describe, expect, it } from 'vitest';
import { pageEventName, type PageNaming } from './page-name.js';

type Row = [PageNaming, 'page' | 'screen', string | undefined, string | undefined, string];

describe('pageEventName', () => {
  it.each<Row>([
    ['viewed-name', 'page', 'Pricing', 'Marketing', 'Viewed Pricing'], // A28: category ignored
    ['viewed-name', 'screen', 'Checkout', undefined, 'Viewed Checkout'], // A30
    ['viewed-name', 'page', undefined, 'Marketing', 'Loaded a Page'], // (Segment: "Viewed ", A29)
    ['viewed-name', 'screen', undefined, undefined, 'Loaded a Screen'],
    ['consolidated', 'page', 'Pricing', 'Marketing', 'Loaded a Page'], // C11
    ['consolidated', 'screen', 'Checkout', undefined, 'Loaded a Screen'],
    ['named', 'page', 'Home', undefined, 'Viewed Home Page'], // C13
    ['named', 'screen', 'Checkout', undefined, 'Viewed Checkout Screen'], // C14
    ['named', 'page', undefined, 'Docs', 'Loaded a Page'],
    ['categorized', 'page', 'Pricing', 'Marketing', 'Viewed Marketing Pricing Page'],
    ['categorized', 'page', undefined, 'Marketing', 'Viewed Marketing Page'],
    ['categorized', 'page', 'Pricing', undefined, 'Viewed Pricing Page'],
    ['categorized', 'screen', 'Cart', 'Shop', 'Viewed Shop Cart Screen'],
    ['categorized', 'screen', undefined, undefined, 'Loaded a Screen'],
  ])('%s %s name=%s category=%s → %s', (naming, type, name, category, expected) => {
    expect(pageEventName(type, naming, name, category)).toBe(expected);
  });
});
