<?xml version="1.0" encoding="UTF-8"?>
<!-- Shows an RSS 2.0 or Atom 1.0 feed as a readable page when opened in a browser. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="atom">
  <xsl:output method="html" version="5.0" encoding="UTF-8" indent="yes"
      doctype-system="about:legacy-compat"/>

  <xsl:template match="/">
    <xsl:variable name="title" select="rss/channel/title | atom:feed/atom:title"/>
    <html>
      <head>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title><xsl:value-of select="$title"/> (feed)</title>
        <style>
          body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
                 padding: 0 1rem; color: #222; }
          .note { background: #fff6d6; border: 1px solid #e8d48a; padding: .75rem 1rem; }
          .note code { word-break: break-all; }
          article { border-top: 1px solid #ddd; padding: .75rem 0; }
          h2 { font-size: 1.15rem; margin: 0 0 .25rem; }
          time { color: #666; font-size: .875rem; }
        </style>
      </head>
      <body>
        <xsl:apply-templates select="rss/channel | atom:feed"/>
      </body>
    </html>
  </xsl:template>

  <xsl:template name="note">
    <xsl:param name="self"/>
    <p class="note">
      This is a news feed. To follow it, copy its address into your feed reader:
      <code><xsl:value-of select="$self"/></code>
    </p>
    <!-- the preview of the feed this document belongs to: a history page links its feed's -->
    <xsl:variable name="ext" select="substring-after(substring-after($self, '/feeds/'), '.')"/>
    <xsl:variable name="stem">
      <xsl:choose>
        <xsl:when test="contains($self, '/archive/')">
          <xsl:value-of select="substring-before($self, '/archive/')"/>
        </xsl:when>
        <xsl:otherwise>
          <xsl:value-of select="substring($self, 1, string-length($self) - string-length($ext) - 1)"/>
        </xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <p class="preview">
      <a href="{$stem}.html">Preview this feed and subscribe in one click</a>
    </p>
  </xsl:template>

  <xsl:template match="channel">
    <header>
      <h1><a href="{link}"><xsl:value-of select="title"/></a></h1>
      <p><xsl:value-of select="description"/></p>
      <xsl:call-template name="note">
        <xsl:with-param name="self" select="atom:link[@rel='self']/@href"/>
      </xsl:call-template>
    </header>
    <main>
      <xsl:for-each select="item">
        <article>
          <h2><a href="{link}"><xsl:value-of select="title"/></a></h2>
          <time><xsl:value-of select="pubDate"/></time>
          <p><xsl:value-of select="description"/></p>
        </article>
      </xsl:for-each>
    </main>
  </xsl:template>

  <xsl:template match="atom:feed">
    <header>
      <h1>
        <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
      </h1>
      <p><xsl:value-of select="atom:subtitle"/></p>
      <xsl:call-template name="note">
        <xsl:with-param name="self" select="atom:link[@rel='self']/@href"/>
      </xsl:call-template>
    </header>
    <main>
      <xsl:for-each select="atom:entry">
        <article>
          <h2>
            <a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
          </h2>
          <time datetime="{atom:published}"><xsl:value-of select="atom:published"/></time>
          <p><xsl:value-of select="atom:summary"/></p>
        </article>
      </xsl:for-each>
    </main>
  </xsl:template>
</xsl:stylesheet>
