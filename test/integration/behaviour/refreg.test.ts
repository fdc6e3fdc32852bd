// The Repository behaviour suite against go-containerregistry's registry (OCI referrers API).
import { requireRegistry } from '../../support/registries.ts';
import { registryRepository, tamperingTransport } from '../registry/support/registry-repositories.ts';
import { describeRepositoryBehaviour } from './repository-behaviour.ts';

const registry = requireRegistry('refreg');

describeRepositoryBehaviour('refreg', async (repoName) => registryRepository(registry, repoName), {
  corrupt: async (repoName, _repository, digest) =>
    registryRepository(registry, repoName, { wrap: (transport) => tamperingTransport(transport, digest) }),
});
