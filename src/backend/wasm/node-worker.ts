// A Node worker thread of the wasm threads build (threads.ts): parks in the module until jobs come.
import { workerData } from 'node:worker_threads';
import { wasmWorkerMain, type WasmWorkerInit } from './threads.js';

wasmWorkerMain(workerData as WasmWorkerInit);
