// The shape of every call and event name ('domain/verb'), zod-free so the preload can use it
// without bundling the contract; test/shared/contract.test.ts holds every name of the contract to it.
export const NAME_PATTERN = /^[a-z][a-zA-Z]*\/[a-z][a-zA-Z]*$/;
