/** checkSourceUrl (url-safety.ts): schemes, credentials, and private hosts in every notation. */
import { describe, expect, it } from "vitest";
import { checkHost, checkSourceUrl, parseIpv4, parseIpv6 } from "./url-safety";

const strict = { allowPrivate: false };
const refusal = (url: string) => {
  const result = checkSourceUrl(url, strict);
  return result.ok ? undefined : result.error.reason;
};

describe("checkSourceUrl: scheme, credentials, shape", () => {
  it("accepts public http(s) URLs and returns them parsed", () => {
    const result = checkSourceUrl("https://news.example.kz/rss?lang=ru", strict);
    expect(result.ok && result.value.href).toBe("https://news.example.kz/rss?lang=ru");
    expect(refusal("http://93.184.216.34/feed")).toBeUndefined();
    expect(refusal("http://[2606:4700::1111]/feed")).toBeUndefined();
    expect(refusal("https://xn--80aa0cbo65f.xn--p1ai/rss")).toBeUndefined();
  });

  it.each(["ftp://example.com/feed", "file:///etc/passwd", "javascript:alert(1)", "data:text/xml,<rss/>", "gopher://example.com/"])(
    "refuses the scheme of %s",
    (url) => expect(refusal(url)).toBe("scheme"),
  );

  it("refuses credentials, relative and over-long URLs", () => {
    expect(refusal("https://user:pass@example.com/feed")).toBe("credentials");
    expect(refusal("https://user@example.com/feed")).toBe("credentials");
    expect(refusal("/feed.xml")).toBe("invalid");
    expect(refusal("not a url")).toBe("invalid");
    expect(refusal(`https://example.com/${"a".repeat(2100)}`)).toBe("too_long");
  });

  it("lets ALLOW_PRIVATE_SOURCES through private hosts, never other schemes or credentials", () => {
    expect(checkSourceUrl("http://127.0.0.1:8080/feed", { allowPrivate: true }).ok).toBe(true);
    expect(checkSourceUrl("http://localhost/feed", { allowPrivate: true }).ok).toBe(true);
    expect(checkSourceUrl("file:///etc/passwd", { allowPrivate: true }).ok).toBe(false);
    expect(checkSourceUrl("http://a:b@localhost/", { allowPrivate: true }).ok).toBe(false);
  });
});

describe("checkSourceUrl: IPv4 in every notation", () => {
  it.each([
    ["http://127.0.0.1/", "loopback"],
    ["http://127.1/", "short form"],
    ["http://2130706433/", "decimal"],
    ["http://0x7f000001/", "hex"],
    ["http://0x7f.1/", "hex short"],
    ["http://0177.0.0.1/", "octal"],
    ["http://0177.1/", "octal short"],
    ["http://0x7F.0.0.0x1/", "mixed"],
    ["http://%31%32%37.0.0.1/", "percent-encoded"],
    ["http://１２７.０.０.１/", "full-width digits"],
    ["http://127.0.0.1./", "trailing dot"],
    ["http://0.0.0.0/", "this network"],
    ["http://0/", "zero"],
    ["http://10.1.2.3/", "10/8"],
    ["http://172.16.0.1/", "172.16/12 low"],
    ["http://172.31.255.255/", "172.16/12 high"],
    ["http://192.168.1.1/", "192.168/16"],
    ["http://169.254.169.254/latest/meta-data/", "metadata"],
    ["http://2852039166/", "metadata decimal"],
    ["http://0xa9fea9fe/", "metadata hex"],
    ["http://100.64.0.1/", "CGNAT"],
    ["http://100.127.255.254/", "CGNAT high"],
    ["http://224.0.0.1/", "multicast"],
    ["http://239.255.255.250/", "multicast SSDP"],
    ["http://255.255.255.255/", "broadcast"],
    ["http://240.0.0.1/", "reserved"],
    ["http://198.18.0.1/", "benchmark"],
    ["http://192.0.2.1/", "documentation"],
  ])("refuses %s (%s)", (url) => {
    expect(refusal(url)).toBe("private_address");
  });

  it.each(["http://172.15.255.255/", "http://172.32.0.1/", "http://100.63.255.255/", "http://100.128.0.1/", "http://11.0.0.1/", "http://8.8.8.8/", "http://169.253.1.1/"])(
    "accepts the public neighbour %s",
    (url) => expect(refusal(url)).toBeUndefined(),
  );

  it("parses inet_aton notations itself, not only through URL", () => {
    expect(parseIpv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4("127.1")).toBe(0x7f000001);
    expect(parseIpv4("2130706433")).toBe(0x7f000001);
    expect(parseIpv4("0x7f.1")).toBe(0x7f000001);
    expect(parseIpv4("0177.0.0.1")).toBe(0x7f000001);
    expect(parseIpv4("10.0x10.1")).toBe(0x0a100001);
    expect(parseIpv4("256.0.0.1")).toBeUndefined();
    expect(parseIpv4("1.2.3.4.5")).toBeUndefined();
    expect(parseIpv4("example.com")).toBeUndefined();
    expect(parseIpv4("08.0.0.1")).toBeUndefined();
    expect(checkHost("0x7f.1")?.reason).toBe("private_address");
    expect(checkHost("0177.0.0.1")?.reason).toBe("private_address");
    expect(checkHost("2130706433")?.reason).toBe("private_address");
  });
});

describe("checkSourceUrl: IPv6", () => {
  it.each([
    ["http://[::1]/", "loopback"],
    ["http://[0:0:0:0:0:0:0:1]/", "loopback long"],
    ["http://[::]/", "unspecified"],
    ["http://[::ffff:127.0.0.1]/", "mapped loopback dotted"],
    ["http://[::ffff:7f00:1]/", "mapped loopback hex"],
    ["http://[::ffff:169.254.169.254]/", "mapped metadata"],
    ["http://[::ffff:a00:1]/", "mapped 10/8"],
    ["http://[::127.0.0.1]/", "IPv4-compatible"],
    ["http://[64:ff9b::7f00:1]/", "NAT64 of loopback"],
    ["http://[2002:7f00:1::]/", "6to4 of loopback"],
    ["http://[fc00::1]/", "unique local"],
    ["http://[fd12:3456:789a::1]/", "unique local fd"],
    ["http://[fe80::1]/", "link-local"],
    ["http://[febf::1]/", "link-local high"],
    ["http://[fec0::1]/", "site-local"],
    ["http://[ff02::1]/", "multicast"],
    ["http://[2001:db8::1]/", "documentation"],
  ])("refuses %s (%s)", (url) => {
    expect(refusal(url)).toBe("private_address");
  });

  it("accepts public IPv6 and mapped public IPv4", () => {
    expect(refusal("http://[2a00:1450:4001::200e]/")).toBeUndefined();
    expect(refusal("http://[::ffff:8.8.8.8]/")).toBeUndefined();
    expect(refusal("http://[64:ff9b::808:808]/")).toBeUndefined();
  });

  it("parses the RFC 4291 text forms", () => {
    expect([...(parseIpv6("::1") ?? [])]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect([...(parseIpv6("::ffff:127.0.0.1") ?? [])].slice(10)).toEqual([0xff, 0xff, 127, 0, 0, 1]);
    expect(parseIpv6("1:2:3:4:5:6:7:8")?.[15]).toBe(8);
    expect(parseIpv6("1::2::3")).toBeUndefined();
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIpv6("fe80::1%eth0")).toBeUndefined();
    expect(parseIpv6("::ffff:300.0.0.1")).toBeUndefined();
  });
});

describe("checkSourceUrl: local names", () => {
  it.each([
    "http://localhost/",
    "http://LOCALHOST:8787/",
    "http://localhost./",
    "http://feeds.localhost/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://instance-data.ec2.internal/",
    "http://printer.local/",
    "http://nas.home.arpa/",
    "http://router.localdomain/",
    "http://intranet/",
    "http://metadata/",
  ])("refuses %s", (url) => {
    expect(refusal(url)).toBe("local_name");
  });

  it("accepts public names that merely contain those words", () => {
    expect(refusal("https://localhost.example.com/")).toBeUndefined();
    expect(refusal("https://internal.news.kz/")).toBeUndefined();
    expect(refusal("https://local-news.kz/")).toBeUndefined();
  });

  it("names the host in its message without echoing the path", () => {
    const result = checkSourceUrl("http://169.254.169.254/latest/meta-data/iam/secret", strict);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain("169.254.169.254");
      expect(result.error.message).not.toContain("secret");
    }
  });
});

describe("IPv6 forms that embed or hide an IPv4 address", () => {
  it("refuses local-use NAT64, Teredo and the IPv4-translated form", () => {
    for (const url of ["http://[64:ff9b:1::a9fe:a9fe]/", "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", "http://[::ffff:0:7f00:1]/"]) {
      expect(checkSourceUrl(url, { allowPrivate: false }).ok, url).toBe(false);
    }
  });
});

describe("special-purpose ranges from ipaddr.js", () => {
  it.each(["http://[3fff::1]/", "http://[5f00::1]/", "http://[2001:2::1]/", "http://[2001:10::1]/", "http://[::808:808]/", "http://192.88.99.1/"])(
    "refuses %s",
    (url) => expect(refusal(url)).toBe("private_address"),
  );

  it("accepts the globally reachable anycast blocks it lists apart (AS112, AMT)", () => {
    expect(refusal("http://192.175.48.1/")).toBeUndefined();
    expect(refusal("http://192.52.193.1/")).toBeUndefined();
    expect(refusal("http://[2001:4:112::1]/")).toBeUndefined();
  });
});
