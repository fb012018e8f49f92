/** decodeBody: which charset wins (BOM, XML declaration, HTTP charset, UTF-8) and the failures. */
import { describe, expect, it } from "vitest";
import { decodeBody } from "./decode";

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const decl = (encoding: string, body: number[] = []): Uint8Array =>
  new Uint8Array([...ascii(`<?xml version="1.0" encoding="${encoding}"?><t>`), ...body, ...ascii("</t>")]);

describe("decodeBody", () => {
  it("prefers a BOM to everything else", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...decl("windows-1251", [0xd0, 0x90])]);
    expect(decodeBody(bytes, "text/xml; charset=koi8-r")).toMatchObject({ ok: true, value: { encoding: "utf-8" } });
  });

  it("reads UTF-16 with and without a BOM", () => {
    const le = new Uint8Array([0xff, 0xfe, 0x3c, 0x00, 0x61, 0x00, 0x3e, 0x00]);
    expect(decodeBody(le)).toMatchObject({ ok: true, value: { text: "<a>", encoding: "utf-16le" } });
    const be = new Uint8Array([0x00, 0x3c, 0x00, 0x61, 0x00, 0x3e, 0x04, 0x10]);
    expect(decodeBody(be)).toMatchObject({ ok: true, value: { text: "<a>А", encoding: "utf-16be" } });
  });

  it("prefers the XML declaration to the HTTP charset", () => {
    const result = decodeBody(decl("windows-1251", [0xc0, 0xeb, 0xec, 0xe0, 0xf2, 0xfb]), "application/rss+xml; charset=utf-8");
    expect(result).toMatchObject({ ok: true, value: { encoding: "windows-1251" } });
    expect(result.ok && result.value.text).toContain("<t>Алматы</t>");
  });

  it("uses the HTTP charset when the declaration has none", () => {
    const bytes = new Uint8Array([...ascii("<t>"), 0xe1, 0xcc, 0xcd, 0xc1, 0xd4, 0xd9, ...ascii("</t>")]);
    expect(decodeBody(bytes, 'text/xml; charset="KOI8-R"')).toMatchObject({ ok: true, value: { text: "<t>Алматы</t>", encoding: "koi8-r" } });
  });

  it("ignores the HTTP charset for JSON (RFC 8259 §8.1)", () => {
    const json = new TextEncoder().encode('{"title":"Алматы"}');
    expect(decodeBody(json, "application/feed+json; charset=windows-1251")).toMatchObject({ ok: true, value: { text: '{"title":"Алматы"}', encoding: "utf-8" } });
  });

  it("maps iso-8859-1 to windows-1252, smart quotes included", () => {
    expect(decodeBody(decl("ISO-8859-1", [0x93, 0x97, 0x94, 0xe9]))).toMatchObject({ ok: true, value: { encoding: "windows-1252" } });
    const r = decodeBody(decl("ISO-8859-1", [0x93, 0x97, 0x94, 0xe9]));
    expect(r.ok && r.value.text).toContain("<t>\u201c\u2014\u201d\u00e9</t>");
  });

  it("falls back to windows-1252 for undeclared invalid UTF-8, with a warning", () => {
    const r = decodeBody(new Uint8Array([...ascii("<t>caf"), 0xe9, ...ascii("</t>")]));
    expect(r).toMatchObject({ ok: true, value: { text: "<t>café</t>", encoding: "windows-1252" } });
    expect(r.ok && r.value.warning).toMatch(/not valid UTF-8/);
  });

  it("passes over unknown encoding labels with a warning: UTF-8 when the bytes are, else windows-1252", () => {
    expect(decodeBody(decl("x-klingon"))).toMatchObject({ ok: true, value: { encoding: "utf-8", warning: expect.stringContaining('"x-klingon"') } });
    expect(decodeBody(ascii("<t/>"), "text/xml; charset=bogus-1")).toMatchObject({ ok: true, value: { encoding: "utf-8", warning: expect.stringContaining('"bogus-1"') } });
    // The "replacement" encodings have no usable decoder either.
    expect(decodeBody(decl("ISO-2022-KR"))).toMatchObject({ ok: true, value: { encoding: "utf-8" } });
    // An unknown declaration does not hide a good HTTP charset.
    expect(decodeBody(decl("x-klingon", [0xc0]), "text/xml; charset=windows-1251")).toMatchObject({ ok: true, value: { encoding: "windows-1251", text: expect.stringContaining("А") } });
    expect(decodeBody(decl("x-klingon", [0xe9]))).toMatchObject({ ok: true, value: { encoding: "windows-1252", text: expect.stringContaining("é") } });
  });

  it("refuses UTF-32, which has no decoder", () => {
    expect(decodeBody(new Uint8Array([0xff, 0xfe, 0, 0, 0x3c, 0, 0, 0]))).toMatchObject({ ok: false, error: { reason: "encoding" } });
  });

  it("treats a UTF-16 declaration readable as ASCII as UTF-8", () => {
    expect(decodeBody(decl("UTF-16"))).toMatchObject({ ok: true, value: { encoding: "utf-8" } });
  });
});
