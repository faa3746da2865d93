// Typed doors to the two libraries the components use that ship no TypeScript types, htl and Observable
// Inputs: each is typed here once, as far as the components use it, so no component imports it untyped.
// @ts-expect-error htl publishes no type declarations.
import {html as htlHtml, svg as htlSvg} from "htl";
// @ts-expect-error @observablehq/inputs publishes no type declarations.
import * as untypedInputs from "@observablehq/inputs";

/**
 * htl's tagged template: the markup as a node, with interpolated values escaped, nodes inserted and
 * `on*` functions bound as listeners. A template of one element gives that element, which is how every
 * component uses it; hence the element type.
 */
export const html = htlHtml as (strings: TemplateStringsArray, ...values: unknown[]) => HTMLElement;
/** htl's tagged template for SVG markup. */
export const svg = htlSvg as (strings: TemplateStringsArray, ...values: unknown[]) => SVGElement;

/** An element that an input or table carries its current value on, as Inputs' elements do. */
export type ValueElement<T> = HTMLElement & { value: T };

/** Options of Inputs.table that the components pass. */
export interface TableOptions {
  columns?: string[];
  header?: Record<string, string>;
  format?: Record<string, (value: any, index: number, data: any[]) => unknown>;
  width?: Record<string, number | string> | number | string;
  align?: Record<string, "left" | "right" | "center">;
  sort?: string;
  reverse?: boolean;
  rows?: number;
  maxWidth?: number;
  layout?: "auto" | "fixed";
  select?: boolean;
  multiple?: boolean;
  value?: unknown;
  required?: boolean;
}

/** Options of Inputs.radio and Inputs.select that the components pass. */
export interface ChoiceOptions<T> {
  label?: string;
  value?: T;
  format?: (value: any) => string;
  disabled?: boolean;
}

/** The Inputs functions the components call, typed. */
export const Inputs = untypedInputs as {
  table<T>(data: Iterable<T>, options?: TableOptions): ValueElement<T[]>;
  radio<T>(values: Iterable<T> | Map<string, T>, options?: ChoiceOptions<T>): ValueElement<T>;
  select<T>(values: Iterable<T> | Map<string, T>, options?: ChoiceOptions<T>): ValueElement<T>;
};
