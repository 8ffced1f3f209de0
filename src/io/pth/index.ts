export { loadPth, parsePth, loadPthFromZip, isStoredTensor, rebuildTensor, PthError, type PthStorage } from './load.js';
export { unpickle, PickleError, PickleGlobal, CONTAINER_GLOBALS, dictAttributes, type GlobalImpl, type UnpickleOptions } from './pickle.js';
export { ZipReader, ZipError, writeZip, crc32, type ZipEntry, type ZipSource } from './zip.js';
