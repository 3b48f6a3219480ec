// Modules and layers over the engine.
export { Module } from './module.js';
export * from './layers.js';
