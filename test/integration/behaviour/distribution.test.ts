// The Repository behaviour suite against distribution 2.8 (no referrers API: the tag schema).
import { requireRegistry } from '../../support/registries.ts';
import { registryRepository, tamperingTransport } from '../registry/support/registry-repositories.ts';
import { describeRepositoryBehaviour } from './repository-behaviour.ts';

const registry = requireRegistry('distribution');

describeRepositoryBehaviour('distribution', async (repoName) => registryRepository(registry, repoName), {
  corrupt: async (repoName, _repository, digest) =>
    registryRepository(registry, repoName, { wrap: (transport) => tamperingTransport(transport, digest) }),
});
