/** Lossless JSON for parameter values. */
import { describe, expect, it } from 'vitest';
import { FloatValue, ParameterError, asFloat } from '@nbrun/core';
import { parseParameterJson, stringifyParameterValue } from '@nbrun/core/parameters';

describe('parseParameterJson', () => {
  it.each([
    ['12345678901234567890', 12345678901234567890n],
    ['-9007199254740993', -9007199254740993n],
    ['9007199254740991', 9007199254740991],
    ['1.0', asFloat(1)],
    ['1e3', asFloat(1000)],
    ['-2.0E+2', asFloat(-200)],
    ['1.5', 1.5],
    ['1e400', Infinity],
    ['-0', -0],
    ['-0.0', -0],
    ['NaN', NaN],
    ['-Infinity', -Infinity],
    ['"\\ud83d\\ude00\\u0000"', '😀\0'],
    ['{"__proto__": 1, "": [true, null]}', JSON.parse('{"__proto__": 1, "": [true, null]}')],
  ])('%s', (text, want) => {
    const got = parseParameterJson(text);
    expect(got).toEqual(want);
    expect(got instanceof FloatValue).toBe(want instanceof FloatValue);
    if (typeof want === 'object' && want !== null) expect(Object.keys(got as object)).toEqual(Object.keys(want));
  });

  it('keeps a "__proto__" key as an own property', () => {
    const got = parseParameterJson('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.keys(got)).toEqual(['__proto__']);
  });

  it.each([
    ['{"a": 1,}', /params\.json: expected a string key at line 1, column 9/],
    ['[1 2]', /expected ',' or '\]' at line 1, column 4/],
    ['"a\nb"', /control character in string at line 1, column 3/],
    ['1 x', /unexpected text after the value/],
  ])('names the place of a syntax error: %s', (text, message) => {
    expect(() => parseParameterJson(text, 'params.json')).toThrow(ParameterError);
    expect(() => parseParameterJson(text, 'params.json')).toThrow(message);
  });
});

describe('stringifyParameterValue', () => {
  it('writes every value so that parseParameterJson reads it back exactly', () => {
    const value = { big: 2n ** 80n, x: [NaN, Infinity, -Infinity, -0, asFloat(1e21), 0.1, asFloat(1), 1], s: 'é"\\\n', n: null, t: true };
    const text = stringifyParameterValue(value);
    expect(text).toBe('{"big": 1208925819614629174706176, "x": [NaN, Infinity, -Infinity, -0.0, 1e+21, 0.1, 1.0, 1], "s": "é\\"\\\\\\n", "n": null, "t": true}');
    expect(parseParameterJson(text)).toEqual(value);
    // A number beyond 2^53 is a float already: written as one, read back as a (whole) float.
    expect(stringifyParameterValue(1e21)).toBe('1e+21');
  });

  it('refuses nesting deeper than 100 levels with one line, not a stack overflow (5,000 levels)', () => {
    const deep = `{"x": ${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect(() => parseParameterJson(deep, 'deep.json')).toThrow(/^deep\.json: lists and maps nested more than 100 levels deep \(Python's parser stops at 200\) at line 1, column 107$/);
    expect(() => parseParameterJson(`{"x": ${'['.repeat(100)}${']'.repeat(100)}}`)).not.toThrow();
  });
});
