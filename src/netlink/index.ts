export * from './errors.js';
export {
  AttrCodec,
  decodeAttrs,
  encodeAttrs,
  encodeAttribute,
  parseAttributes,
  type AttrSetName,
  type AttrTables,
  type DecodeOptions,
  type RawAttribute,
} from './codec.js';
export * from './message.js';
export { DEFAULT_TIMEOUT_MS, NetlinkConnection, type NetlinkTransport, type TransactOptions } from './socket.js';
export {
  lookupFamily,
  MutexClient,
  mutexFamilySpec,
  withMutexClient,
  type ClientOptions,
  type DumpResult,
  type FamilyInfo,
  type FamilySpec,
  type Notification,
} from './client.js';
