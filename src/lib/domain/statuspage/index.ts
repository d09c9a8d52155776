/**
 * The public JSON API in Atlassian Statuspage's v2 shape (../shared/statuspage-api-v2.md):
 * the contract's inputs and objects, the serializers between them, and the response bodies.
 */
export * from './contract';
export * from './serializers';
export * from './bodies';
