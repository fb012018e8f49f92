/**
 * The XSLT 1.0 stylesheet that RSS and Atom feeds name in `<?xml-stylesheet type="text/xsl"
 * href="/feed.xsl"?>` (render/rss2.ts, render/atom1.ts), served at `GET /feed.xsl`.
 *
 * A feed reader ignores the processing instruction (XML 1.0 §2.6: PIs are for applications that
 * know them); a browser that opens the feed applies it and shows a readable page instead of raw
 * XML: the feed's title, a "this is a web feed" box with the URL to copy, and the items.
 *
 * One stylesheet for both formats: every select is a union of the RSS 2.0 path and the Atom 1.0
 * path (namespace http://www.w3.org/2005/Atom, RFC 4287), and only one side exists in a given
 * document. Constraints, so it works in the browsers' XSLT 1.0 engines (libxslt in Chromium and
 * WebKit, TransforMiiX in Firefox):
 * - XSLT/XPath 1.0 only, no extension functions;
 * - no `disable-output-escaping` (Firefox ignores it): RSS `description` holds the plain-text
 *   summary escaped as HTML (rss2.ts), so the `unescape` template turns `&lt;` `&gt;` `&amp;`
 *   back into characters and the text is output as text, never as markup;
 * - no script: the page is static, and every URL in it comes from the feed (links the renderer
 *   already restricted to http(s)) or is root-relative to the feed's own origin.
 * libxslt writes the `<meta http-equiv="Content-Type">` itself for method="html", so no
 * `<meta charset>` here. Dates are shown in UTC as the HTML pages show them ("27 Aug 2022, 00:00 UTC"); a date in
 * another shape is shown as written.
 */
export const FEED_XSL = `<?xml version="1.0" encoding="utf-8"?>
<xsl:stylesheet version="1.0"
  xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom"
  xmlns:content="http://purl.org/rss/1.0/modules/content/"
  xmlns:dc="http://purl.org/dc/elements/1.1/"
  xmlns:media="http://search.yahoo.com/mrss/"
  exclude-result-prefixes="atom content dc media">

  <xsl:output method="html" encoding="utf-8" indent="yes" doctype-system="about:legacy-compat"/>

  <xsl:variable name="months" select="'JanFebMarAprMayJunJulAugSepOctNovDec'"/>
  <xsl:variable name="title" select="normalize-space(/rss/channel/title | /atom:feed/atom:title)"/>
  <xsl:variable name="description" select="normalize-space(/rss/channel/description | /atom:feed/atom:subtitle)"/>
  <xsl:variable name="self" select="(/rss/channel/atom:link[@rel='self'] | /atom:feed/atom:link[@rel='self'])[1]/@href"/>
  <xsl:variable name="home" select="(/rss/channel/link | /atom:feed/atom:link[@rel='alternate'][1]/@href)[1]"/>
  <xsl:variable name="next" select="(/rss/channel/atom:link[@rel='next'] | /atom:feed/atom:link[@rel='next'])[1]/@href"/>
  <xsl:variable name="first" select="(/rss/channel/atom:link[@rel='first'] | /atom:feed/atom:link[@rel='first'])[1]/@href"/>
  <xsl:variable name="language" select="normalize-space((/rss/channel/language | /atom:feed/@xml:lang)[1])"/>
  <xsl:variable name="format">
    <xsl:choose>
      <xsl:when test="/atom:feed">Atom</xsl:when>
      <xsl:otherwise>RSS</xsl:otherwise>
    </xsl:choose>
  </xsl:variable>

  <xsl:template match="/">
    <html lang="en">
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="color-scheme" content="light dark"/>
        <meta name="robots" content="noindex"/>
        <title><xsl:value-of select="$title"/> (<xsl:value-of select="$format"/> feed)</title>
        <style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;color:#1d1d1f;background:#fff}
nav{font-size:.95rem}nav a{margin-right:.75rem}
h1{font-size:1.6rem;margin:.75rem 0 .25rem}h2{font-size:1.1rem;margin:0}
a{color:#0b57d0}.muted{color:#595959;font-size:.9rem}
.notice{background:#fff8e1;border:1px solid #e5c76b;border-radius:8px;padding:.75rem 1rem;margin:1rem 0}
.notice p{margin:.25rem 0}
.notice input{width:100%;box-sizing:border-box;font:14px ui-monospace,monospace;padding:.4rem;margin-top:.25rem;border:1px solid #bbb;border-radius:4px;background:#fff;color:inherit}
ol{list-style:none;padding:0}li{border-top:1px solid #ddd;padding:.9rem 0}
li p{margin:.3rem 0}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e8e8e8}a{color:#8ab4f8}.muted{color:#b0b0b0}
.notice{background:#2b2410;border-color:#6b5a1e}.notice input{background:#1e1e1e;border-color:#555}li{border-color:#333}}
        </style>
      </head>
      <body>
        <header>
          <nav aria-label="Site">
            <a href="/">tagfeed</a>
            <a href="/#feeds">All feeds</a>
            <a href="/opml">OPML</a>
          </nav>
        </header>
        <main>
          <div class="notice" role="note">
            <p><strong>This is a web feed.</strong> Copy its URL into your feed reader to subscribe.</p>
            <xsl:if test="$self">
              <label for="feed-url">Feed URL</label>
              <input id="feed-url" type="text" readonly="readonly" value="{$self}"/>
            </xsl:if>
            <p class="muted">Any reader works. To follow every tag at once, import <a href="/opml">the OPML list</a>.</p>
          </div>
          <h1>
            <xsl:if test="$language != ''"><xsl:attribute name="lang"><xsl:value-of select="$language"/></xsl:attribute></xsl:if>
            <xsl:value-of select="$title"/>
          </h1>
          <xsl:if test="$description != ''"><p><xsl:value-of select="$description"/></p></xsl:if>
          <xsl:if test="$home"><p><a href="{$home}">Open the web page</a></p></xsl:if>
          <xsl:choose>
            <xsl:when test="/rss/channel/item | /atom:feed/atom:entry">
              <ol>
                <xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
              </ol>
            </xsl:when>
            <xsl:otherwise><p class="muted">No items yet.</p></xsl:otherwise>
          </xsl:choose>
          <xsl:if test="$first or $next">
            <p>
              <xsl:if test="$first"><a href="{$first}">Newest entries</a><xsl:text> </xsl:text></xsl:if>
              <xsl:if test="$next"><a href="{$next}" rel="next">Older entries</a></xsl:if>
            </p>
          </xsl:if>
        </main>
      </body>
    </html>
  </xsl:template>

  <!-- RSS 2.0 item -->
  <xsl:template match="item">
    <li>
      <xsl:call-template name="lang">
        <xsl:with-param name="value" select="dc:language"/>
      </xsl:call-template>
      <h2>
        <xsl:call-template name="title-link">
          <xsl:with-param name="text" select="normalize-space(title)"/>
          <xsl:with-param name="href" select="normalize-space(link)"/>
        </xsl:call-template>
      </h2>
      <p class="muted">
        <xsl:call-template name="rfc822-date"><xsl:with-param name="d" select="normalize-space(pubDate)"/></xsl:call-template>
        <xsl:for-each select="dc:creator">
          <xsl:text> · </xsl:text><xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <xsl:if test="normalize-space(description) != ''">
        <p>
          <xsl:call-template name="unescape"><xsl:with-param name="text" select="normalize-space(description)"/></xsl:call-template>
        </p>
      </xsl:if>
      <xsl:if test="category">
        <p class="muted">
          <xsl:for-each select="category">
            <xsl:if test="position() != 1"><xsl:text>, </xsl:text></xsl:if>
            <xsl:value-of select="."/>
          </xsl:for-each>
        </p>
      </xsl:if>
    </li>
  </xsl:template>

  <!-- Atom 1.0 entry (RFC 4287 §4.1.2) -->
  <xsl:template match="atom:entry">
    <li>
      <xsl:call-template name="lang">
        <xsl:with-param name="value" select="@xml:lang"/>
      </xsl:call-template>
      <h2>
        <xsl:call-template name="title-link">
          <xsl:with-param name="text" select="normalize-space(atom:title)"/>
          <xsl:with-param name="href" select="(atom:link[@rel='alternate'] | atom:link[not(@rel)])[1]/@href"/>
        </xsl:call-template>
      </h2>
      <p class="muted">
        <xsl:call-template name="rfc3339-date">
          <xsl:with-param name="d" select="normalize-space((atom:published | atom:updated)[1])"/>
        </xsl:call-template>
        <xsl:for-each select="atom:author/atom:name">
          <xsl:text> · </xsl:text><xsl:value-of select="."/>
        </xsl:for-each>
      </p>
      <xsl:if test="normalize-space(atom:summary) != ''">
        <p>
          <xsl:choose>
            <!-- §3.1.1: type="html" and "xhtml" carry markup; show its text, never the markup. -->
            <xsl:when test="atom:summary/@type = 'html'">
              <xsl:call-template name="unescape"><xsl:with-param name="text" select="normalize-space(atom:summary)"/></xsl:call-template>
            </xsl:when>
            <xsl:otherwise><xsl:value-of select="normalize-space(atom:summary)"/></xsl:otherwise>
          </xsl:choose>
        </p>
      </xsl:if>
      <xsl:if test="atom:category">
        <p class="muted">
          <xsl:for-each select="atom:category">
            <xsl:if test="position() != 1"><xsl:text>, </xsl:text></xsl:if>
            <xsl:choose>
              <xsl:when test="@label"><xsl:value-of select="@label"/></xsl:when>
              <xsl:otherwise><xsl:value-of select="@term"/></xsl:otherwise>
            </xsl:choose>
          </xsl:for-each>
        </p>
      </xsl:if>
    </li>
  </xsl:template>

  <xsl:template name="lang">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="normalize-space($value) != ''">
        <xsl:attribute name="lang"><xsl:value-of select="normalize-space($value)"/></xsl:attribute>
      </xsl:when>
      <xsl:when test="$language != ''">
        <xsl:attribute name="lang"><xsl:value-of select="$language"/></xsl:attribute>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="title-link">
    <xsl:param name="text"/>
    <xsl:param name="href"/>
    <xsl:variable name="label">
      <xsl:choose>
        <xsl:when test="$text != ''"><xsl:value-of select="$text"/></xsl:when>
        <xsl:otherwise>(untitled)</xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:choose>
      <xsl:when test="starts-with($href, 'https://') or starts-with($href, 'http://')">
        <a href="{$href}"><xsl:value-of select="$label"/></a>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$label"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- RSS 2.0 pubDate as the renderer writes it, "Sat, 27 Aug 2022 00:00:00 GMT" -> "27 Aug 2022, 00:00 UTC". -->
  <xsl:template name="rfc822-date">
    <xsl:param name="d"/>
    <xsl:choose>
      <xsl:when test="string-length($d) = 29 and substring($d, 4, 2) = ', ' and substring($d, 27) = 'GMT'">
        <time>
          <xsl:value-of select="number(substring($d, 6, 2))"/>
          <xsl:value-of select="substring($d, 8, 9)"/>
          <xsl:text>, </xsl:text>
          <xsl:value-of select="substring($d, 18, 5)"/>
          <xsl:text> UTC</xsl:text>
        </time>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$d"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- RFC 3339 in UTC, "2022-08-26T21:00:00Z" -> "26 Aug 2022, 21:00 UTC". -->
  <xsl:template name="rfc3339-date">
    <xsl:param name="d"/>
    <xsl:variable name="month" select="number(substring($d, 6, 2))"/>
    <xsl:choose>
      <xsl:when test="string-length($d) &gt;= 20 and substring($d, 11, 1) = 'T' and substring($d, string-length($d)) = 'Z' and $month &gt;= 1 and $month &lt;= 12">
        <time datetime="{$d}">
          <xsl:value-of select="number(substring($d, 9, 2))"/>
          <xsl:text> </xsl:text>
          <xsl:value-of select="substring($months, $month * 3 - 2, 3)"/>
          <xsl:text> </xsl:text>
          <xsl:value-of select="substring($d, 1, 4)"/>
          <xsl:text>, </xsl:text>
          <xsl:value-of select="substring($d, 12, 5)"/>
          <xsl:text> UTC</xsl:text>
        </time>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$d"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- Text escaped as HTML (&lt; &gt; &amp;) back to text; &amp; last, so "&amp;lt;" stays "&lt;". -->
  <xsl:template name="unescape">
    <xsl:param name="text"/>
    <xsl:call-template name="replace">
      <xsl:with-param name="text">
        <xsl:call-template name="replace">
          <xsl:with-param name="text">
            <xsl:call-template name="replace">
              <xsl:with-param name="text" select="$text"/>
              <xsl:with-param name="from" select="'&amp;lt;'"/>
              <xsl:with-param name="to" select="'&lt;'"/>
            </xsl:call-template>
          </xsl:with-param>
          <xsl:with-param name="from" select="'&amp;gt;'"/>
          <xsl:with-param name="to" select="'&gt;'"/>
        </xsl:call-template>
      </xsl:with-param>
      <xsl:with-param name="from" select="'&amp;amp;'"/>
      <xsl:with-param name="to" select="'&amp;'"/>
    </xsl:call-template>
  </xsl:template>

  <!-- Every occurrence of $from in $text replaced by $to. Recursion depth is the number of
       occurrences, which stays small in a summary. -->
  <xsl:template name="replace">
    <xsl:param name="text"/>
    <xsl:param name="from"/>
    <xsl:param name="to"/>
    <xsl:choose>
      <xsl:when test="contains($text, $from)">
        <xsl:value-of select="substring-before($text, $from)"/>
        <xsl:value-of select="$to"/>
        <xsl:call-template name="replace">
          <xsl:with-param name="text" select="substring-after($text, $from)"/>
          <xsl:with-param name="from" select="$from"/>
          <xsl:with-param name="to" select="$to"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$text"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
`;
