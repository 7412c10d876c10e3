/**
 * A TypeScript consumer of the installed packages that knows nothing of Node: it imports every
 * public export of topics, sas and core (listed by the compiler from the installed `.d.ts`) and
 * uses a few, with `types: []`, `skipLibCheck: false` and `lib` ES2022 + DOM, under
 * `moduleResolution` bundler and nodenext.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { LIBRARIES } from './workspace.ts';

/** One library's public surface, split into what exists at run time and what is only a type. */
export interface PublicExports {
  readonly name: string;
  readonly values: readonly string[];
  readonly types: readonly string[];
}

/** The two module resolutions a browser-only consumer may use. */
export const RESOLUTIONS = ['bundler', 'nodenext'] as const;

/** Compiler options of the consumer project for one resolution. */
function consumerOptions(resolution: (typeof RESOLUTIONS)[number]): Record<string, unknown> {
  return {
    target: 'es2022',
    module: resolution === 'bundler' ? 'esnext' : 'nodenext',
    moduleResolution: resolution,
    lib: ['es2022', 'dom'],
    types: [],
    strict: true,
    skipLibCheck: false,
    // Every declaration file of the packages is checked; TypeScript's own lib files need not be.
    skipDefaultLibCheck: true,
    noEmit: true,
  };
}

/** Asks the compiler for each library's exports, resolved from `project`'s node_modules. */
export function publicExports(project: string): PublicExports[] {
  const probe = join(project, 'exports-probe.ts');
  writeFileSync(probe, LIBRARIES.map(([name], index) => `import * as library${index} from '${name}';\n`).join(''));
  const options = ts.convertCompilerOptionsFromJson(consumerOptions('nodenext'), project).options;
  const program = ts.createProgram([probe], options);
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(probe);
  if (source === undefined) throw new Error('the probe did not compile');
  return source.statements.filter(ts.isImportDeclaration).map((declaration, index) => {
    const module = checker.getSymbolAtLocation(declaration.moduleSpecifier);
    if (module === undefined) throw new Error(`${LIBRARIES[index]?.[0] ?? '?'} does not resolve from ${project}`);
    const values: string[] = [];
    const types: string[] = [];
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      (target.flags & ts.SymbolFlags.Value ? values : types).push(symbol.name);
    }
    return { name: LIBRARIES[index]?.[0] ?? '?', values: values.sort(), types: types.sort() };
  });
}

/** Writes consumer.ts and one tsconfig per resolution into `project`; returns the tsconfig paths. */
export function writeConsumer(project: string, libraries: readonly PublicExports[]): string[] {
  const prefix = (name: string): string => name.replace('@hubwire/', '');
  const imports = libraries.flatMap((library) => {
    const as = (name: string): string => `${name} as ${prefix(library.name)}_${name}`;
    return [`import { ${library.values.map(as).join(', ')} } from '${library.name}';`, `import type { ${library.types.map(as).join(', ')} } from '${library.name}';`];
  });
  const values = libraries.flatMap((library) => library.values.map((name) => `${prefix(library.name)}_${name}`));
  const code = [
    '// Every public export of the three libraries, as a consumer without Node types sees them.',
    ...imports,
    `export const everyValue = [${values.join(', ')}] as const;`,
    '',
    '// The types carry meaning: each line marked @ts-expect-error must be an error.',
    "const device = new core_DeviceEngine({ hostName: 'contoso.azure-devices.net', deviceId: 'dev-01' });",
    'const event: core_DeviceEvent | undefined = device.pollEvent();',
    "if (event?.type === 'method-request') {",
    '  const name: string = event.methodName;',
    '  // @ts-expect-error a method request carries no twin',
    '  void [name, event.desired];',
    '}',
    '// @ts-expect-error IoT Hub refuses QoS 2, and so does the type',
    "device.publishTelemetry(0, 'x', { qos: 2 });",
    "export const password: Promise<string> = sas_createSasToken({ resourceUri: 'contoso.azure-devices.net/devices/dev-01', key: 'a2V5', expiresAt: 1 });",
    '// @ts-expect-error topics are strings',
    'topics_parseInboundTopic(42);',
    '',
  ].join('\n');
  writeFileSync(join(project, 'consumer.ts'), code);
  return RESOLUTIONS.map((resolution) => {
    const path = join(project, `tsconfig.${resolution}.json`);
    writeFileSync(path, JSON.stringify({ compilerOptions: consumerOptions(resolution), files: ['consumer.ts'] }, null, 2));
    return path;
  });
}
