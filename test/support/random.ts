/** Seeded generator for generated test data, so failing cases reproduce from their seed. */
export { seededRandom } from '../../local/runtime/random';
