/** `manifesto login` and `logout`: credentials in Docker's config.json. */
import type { CommandDeclaration } from '../declare.ts';

export const login: CommandDeclaration = {
  name: 'login',
  registry: true,
  usage: ['login REGISTRY -u USER --password-stdin'],
  intro: `Checks the credentials against REGISTRY and stores them in Docker's config.json
($DOCKER_CONFIG or ~/.docker), through its credential store when one is configured.`,
  options: {},
  run: async (args, context) => {
    const [registry] = args.positionals(['registry']);
    const { loginCommand } = await import('../commands/login.ts');
    await loginCommand({ registry: registry! }, context);
    return 0;
  },
};

export const logout: CommandDeclaration = {
  name: 'logout',
  // Scripts pass the same registry flags to every command: accept (and ignore) them here too.
  registry: true,
  opensImages: false,
  usage: ['logout REGISTRY'],
  intro: 'Removes the credentials stored for REGISTRY.',
  options: {},
  run: async (args, context) => {
    const [registry] = args.positionals(['registry']);
    const { logoutCommand } = await import('../commands/login.ts');
    await logoutCommand({ registry: registry! }, context);
    return 0;
  },
};
