export * from './view.js';
export * from './units.js';
export { toJson, toJsonLine, type JsonValue } from './json.js';
export { csvField, renderCsv } from './csv.js';
export { colorEnabled } from './color.js';
export { humanValue, renderListTable, renderRecordTable } from './table.js';
export { renderView, rowToJson, type RenderOptions } from './render.js';
export { columnsFromAttributeSet, headerOfAttribute, kindOfAttribute } from './spec-columns.js';
export { writeOutput } from './stdout.js';
