/** The translator registry: kernel name first, then language, aliases, errors, user translators. */
import { describe, expect, it } from 'vitest';
import { ParameterError } from '@nbrun/core';
import { createTranslatorRegistry, type Translator } from '@nbrun/core/parameters';

describe('createTranslatorRegistry', () => {
  const registry = createTranslatorRegistry();

  it.each([
    [{ kernelName: 'python3' }, 'Python'],
    [{ language: 'python' }, 'Python'],
    [{ language: 'Python3' }, 'Python'],
    [{ kernelName: 'ir' }, 'R'],
    [{ language: 'R' }, 'R'],
    [{ kernelName: 'octave' }, 'Octave'],
    [{ language: 'octave' }, 'Octave'],
    [{ language: 'MATLAB' }, 'MATLAB'],
    [{ kernelName: 'julia-1.10', language: 'julia' }, 'Julia'],
    [{ language: 'scala' }, 'Scala'],
    [{ kernelName: 'bash' }, 'Bash'],
    [{ language: 'powershell' }, 'PowerShell'],
    [{ kernelName: '.net-csharp', language: 'C#' }, 'C#'],
    [{ language: 'c#' }, 'C#'],
    [{ kernelName: '.net-fsharp', language: 'F#' }, 'F#'],
    [{ kernelName: '.net-powershell', language: 'PowerShell' }, 'PowerShell'],
    [{ kernelName: 'deno', language: 'typescript' }, 'TypeScript'],
    [{ kernelName: 'tslab' }, 'TypeScript'],
    [{ kernelName: 'javascript', language: 'javascript' }, 'JavaScript'],
    [{ kernelName: 'ir', language: 'python' }, 'R'],
    [{ kernelName: 'my-venv', language: 'python' }, 'Python'],
  ])('%o → %s', (query, language) => {
    expect(registry.get(query).language).toBe(language);
  });

  it('throws a ParameterError naming the language and the known ones when none fits', () => {
    expect(() => registry.get({ language: 'cobol' })).toThrow(ParameterError);
    expect(() => registry.get({ language: 'cobol' })).toThrow(/no parameter translator for language 'cobol'; known: .*Python.*R/);
    expect(() => registry.get({ kernelName: 'mystery' })).toThrow(/kernel 'mystery' \(its language is unknown\)/);
    expect(registry.find({ language: 'cobol' })).toBeUndefined();
  });

  it('lets API users add a language or replace a built-in one, in their registry only', () => {
    const mine = createTranslatorRegistry();
    const lua: Translator = { language: 'Lua', languages: ['lua'], assign: (n, v) => `${n} = ${String(v)}`, comment: (t) => `-- ${t}` };
    const myPython: Translator = { ...lua, language: 'MyPython', languages: ['python'] };
    mine.register(lua);
    mine.register(myPython);
    expect(mine.get({ language: 'LUA' })).toBe(lua);
    expect(mine.get({ language: 'python' })).toBe(myPython);
    expect(mine.get({ kernelName: 'python3', language: 'python' }).language).toBe('Python');
    expect(registry.find({ language: 'lua' })).toBeUndefined();
    expect(mine.list()[0]).toBe(myPython);
  });
});
