/**
 * Globs of the trust policy. Repository globs: `*` matches any run of characters except `/`, `**`
 * any run including `/`, `?` one character other than `/`; everything else matches itself. A glob
 * matches the whole text. `registry.example.com/team/*` matches `registry.example.com/team/app` but
 * not `registry.example.com/team/app/sub` (use `team/**`); `oci:*` matches every OCI layout.
 * Type globs (`typeGlobMatches`): a type name is one name, not a path, though artifact types contain
 * `/` (`application/vnd.example+json`): there `*` and `**` match any run, `/` included, and `?` any
 * one character, so `types: ["*"]` covers every type.
 */
const cache = new Map<string, RegExp>();
const typeCache = new Map<string, RegExp>();

function compileType(glob: string): RegExp {
  let source = '';
  let previous = '';
  for (const c of glob) {
    if (c === '*') source += previous === '*' ? '' : '.*';
    else if (c === '?') source += '.';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    previous = c;
  }
  return new RegExp(`^${source}$`, 's');
}

/** Whether a type glob (see above) matches the type name `type`. */
export function typeGlobMatches(glob: string, type: string): boolean {
  let re = typeCache.get(glob);
  if (re === undefined) {
    re = compileType(glob);
    typeCache.set(glob, re);
  }
  return re.test(type);
}

function compile(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

export function trustGlobMatches(glob: string, text: string): boolean {
  // Layout paths contain slashes: `oci:*` matches every layout.
  if ((glob === 'oci:*' || glob === 'oci:**') && text.startsWith('oci:')) return true;
  let re = cache.get(glob);
  if (re === undefined) {
    re = compile(glob);
    cache.set(glob, re);
  }
  return re.test(text);
}
