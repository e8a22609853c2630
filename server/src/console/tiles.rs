//! A small static map behind a visit's door check, made of the 1–4 web map
//! tiles around the household, when the server is given a tile server
//! (`doorstep serve --tile-url 'https://…/{z}/{x}/{y}.png' --tile-crs …`).
//! Plain `<img>` tags placed with CSS and an inline SVG for the markers: no
//! script. Without a tile server the visit page keeps its SVG plot
//! ([`super::visit::plot`]), which needs no network.
//!
//! Tiles are the usual Web-Mercator ("slippy map") grid: 2^z × 2^z tiles of
//! 256 px at zoom z. Chinese tile servers (AutoNavi, Tencent) draw in GCJ-02;
//! stored positions are WGS-84, so with [`TileCrs::Gcj02`] both points are
//! converted with the core's [`wgs84_to_gcj02`] before they are placed.
//!
//! The supervisor's browser fetches the tiles from that server, which so
//! learns roughly where the visit was (no referrer is sent): name a tile
//! server the operator trusts with that, e.g. one of its own.

use std::fmt::Write as _;

use doorstep_evidence::{LatLon, wgs84_to_gcj02};

use super::html::{esc, t};
use super::session::Lang;

/// Pixels on a tile's side.
const TILE: f64 = 256.0;
/// The map's width and height in pixels (one tile's worth, so 1–4 tiles).
const VIEW: f64 = 256.0;
/// Free pixels kept between what must be seen and the map's edge.
const MARGIN: f64 = 16.0;
/// The closest zoom tried; most tile servers go this far.
const MAX_ZOOM: u8 = 18;
/// Web Mercator's limit of latitude.
const MAX_LAT: f64 = 85.051_128_78;

/// The datum a tile server draws in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TileCrs {
    /// OpenStreetMap and most servers outside China.
    #[default]
    Wgs84,
    /// AutoNavi (高德), Tencent and other Chinese map servers.
    Gcj02,
}

impl std::str::FromStr for TileCrs {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "wgs84" => Ok(Self::Wgs84),
            "gcj02" => Ok(Self::Gcj02),
            other => Err(format!("{other:?} is not wgs84 or gcj02")),
        }
    }
}

/// Why a tile URL template cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileUrlError {
    #[error("the tile URL must contain {{z}}, {{x}} and {{y}}")]
    MissingPlaceholder,
    #[error("the tile URL is not an http(s) URL with a host")]
    NotHttp,
}

/// A tile server: its URL template, its origin (for the page's
/// Content-Security-Policy) and its datum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileSource {
    template: String,
    origin: String,
    crs: TileCrs,
}

impl TileSource {
    /// A tile server from a URL template with `{z}`, `{x}` and `{y}`
    /// (`https://tile.example.org/{z}/{x}/{y}.png`); refuses anything but an
    /// http or https URL with a host.
    pub fn new(template: &str, crs: TileCrs) -> Result<Self, TileUrlError> {
        if !["{z}", "{x}", "{y}"].iter().all(|p| template.contains(p)) {
            return Err(TileUrlError::MissingPlaceholder);
        }
        let sample = url_for(template, 0, 0, 0);
        let url = url::Url::parse(&sample).map_err(|_| TileUrlError::NotHttp)?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(TileUrlError::NotHttp);
        }
        Ok(Self {
            template: template.to_owned(),
            origin: url.origin().ascii_serialization(),
            crs,
        })
    }

    /// `scheme://host[:port]` of the tile server, as a CSP source.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The static map (a `<div>` of tile images with the markers over them)
    /// of a door-check fix against the household, both WGS-84, with the
    /// accuracy and geofence circles, at the closest zoom that shows both.
    pub fn map_html(
        &self,
        lang: Lang,
        household: LatLon,
        fix: LatLon,
        accuracy_m: f64,
        radius_m: f64,
    ) -> String {
        let map = StaticMap::new(self.crs, household, fix, accuracy_m, radius_m);
        let mut html = format!(
            "<div class=\"tilemap\" role=\"img\" aria-label=\"{}\" style=\"position:relative;width:{VIEW}px;height:{VIEW}px;overflow:hidden;border:1px solid #ccd;background:#eef\">",
            t(
                lang,
                "定位与住户位置地图",
                "Map of the fix and the household"
            ),
        );
        for tile in &map.tiles {
            let _ = write!(
                html,
                "<img class=\"tile\" src=\"{}\" alt=\"\" referrerpolicy=\"no-referrer\" width=\"256\" height=\"256\" style=\"position:absolute;left:{:.0}px;top:{:.0}px\">",
                esc(&url_for(&self.template, map.zoom, tile.x, tile.y)),
                tile.left,
                tile.top,
            );
        }
        let (hx, hy) = map.household_px;
        let (fx, fy) = map.fix_px;
        let _ = write!(
            html,
            "<svg width=\"{VIEW}\" height=\"{VIEW}\" style=\"position:absolute;left:0;top:0\">\
<circle cx=\"{hx:.1}\" cy=\"{hy:.1}\" r=\"{:.1}\" fill=\"rgba(36,71,122,.12)\" stroke=\"#24477a\" stroke-dasharray=\"4 3\"/>\
<circle cx=\"{fx:.1}\" cy=\"{fy:.1}\" r=\"{:.1}\" fill=\"rgba(200,60,40,.15)\" stroke=\"#c83c28\"/>\
<rect class=\"household\" x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"#24477a\" stroke=\"#fff\"/>\
<circle class=\"fix\" cx=\"{fx:.1}\" cy=\"{fy:.1}\" r=\"4\" fill=\"#c83c28\" stroke=\"#fff\"/></svg></div>\
<p class=\"muted\" style=\"font-size:.75em\">{} ■ · {} ● · {} {:.0} m · {} {}</p>",
            radius_m / map.metres_per_px,
            (accuracy_m / map.metres_per_px).max(1.0),
            hx - 5.0,
            hy - 5.0,
            t(lang, "住户", "home"),
            t(lang, "定位", "fix"),
            t(lang, "围栏", "fence"),
            radius_m,
            t(lang, "地图图块来自", "tiles from"),
            esc(&self.origin),
        );
        html
    }
}

fn url_for(template: &str, z: u8, x: u32, y: u32) -> String {
    template
        .replace("{z}", &z.to_string())
        .replace("{x}", &x.to_string())
        .replace("{y}", &y.to_string())
}

/// Where a position falls at a zoom: the tile (x, y) and the pixel offset
/// inside it (0 ≤ offset < 256), in Web Mercator. Latitudes beyond ±85.05°
/// are clamped to the map's edge.
pub fn tile_of(p: LatLon, zoom: u8) -> ((u32, u32), (f64, f64)) {
    let (px, py) = world_px(p, zoom);
    let (tx, ty) = ((px / TILE).floor(), (py / TILE).floor());
    ((tx as u32, ty as u32), (px - tx * TILE, py - ty * TILE))
}

/// A position in pixels from the world map's top-left corner at `zoom`.
fn world_px(p: LatLon, zoom: u8) -> (f64, f64) {
    let size = TILE * f64::from(1u32 << zoom);
    let lat = p.lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (p.lon + 180.0) / 360.0 * size;
    let y = (1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0 * size;
    // The last pixel row/column, not one past it, for lon = 180 or lat = -MAX_LAT.
    (x.clamp(0.0, size - 1e-9), y.clamp(0.0, size - 1e-9))
}

/// Ground metres per pixel at a latitude and zoom.
fn metres_per_px(lat: f64, zoom: u8) -> f64 {
    // The equator's length over the world map's width at zoom 0.
    156_543.033_92 * lat.to_radians().cos() / f64::from(1u32 << zoom)
}

/// The tiles and the markers' pixels of one map, centred on the household.
#[derive(Debug)]
struct StaticMap {
    zoom: u8,
    tiles: Vec<PlacedTile>,
    household_px: (f64, f64),
    fix_px: (f64, f64),
    metres_per_px: f64,
}

/// One tile and where its top-left corner sits on the map.
#[derive(Debug, PartialEq)]
struct PlacedTile {
    x: u32,
    y: u32,
    left: f64,
    top: f64,
}

impl StaticMap {
    fn new(crs: TileCrs, household: LatLon, fix: LatLon, accuracy_m: f64, radius_m: f64) -> Self {
        let (household, fix) = match crs {
            TileCrs::Wgs84 => (household, fix),
            TileCrs::Gcj02 => (wgs84_to_gcj02(household), wgs84_to_gcj02(fix)),
        };
        // The closest zoom at which the fix with its accuracy circle and the
        // geofence fit around the household at the centre.
        let reach = VIEW / 2.0 - MARGIN;
        let zoom = (1..=MAX_ZOOM)
            .rev()
            .find(|&z| {
                let (hx, hy) = world_px(household, z);
                let (fx, fy) = world_px(fix, z);
                let accuracy_px = accuracy_m / metres_per_px(household.lat, z);
                let radius_px = radius_m / metres_per_px(household.lat, z);
                (fx - hx).abs() + accuracy_px.min(reach) <= reach
                    && (fy - hy).abs() + accuracy_px.min(reach) <= reach
                    && radius_px <= reach
            })
            .unwrap_or(1);
        let (hx, hy) = world_px(household, zoom);
        let (fx, fy) = world_px(fix, zoom);
        let (left, top) = (hx - VIEW / 2.0, hy - VIEW / 2.0);
        let tiles_across = 1u32 << zoom;
        let span = |from: f64| {
            let first = (from / TILE).floor() as i64;
            let last = ((from + VIEW - 1.0) / TILE).floor() as i64;
            first..=last
        };
        let mut tiles = Vec::new();
        for ty in span(top) {
            if ty < 0 || ty >= i64::from(tiles_across) {
                continue; // beyond the poles: nothing to draw
            }
            for tx in span(left) {
                tiles.push(PlacedTile {
                    // Across the antimeridian the world repeats.
                    x: tx.rem_euclid(i64::from(tiles_across)) as u32,
                    y: ty as u32,
                    left: tx as f64 * TILE - left,
                    top: ty as f64 * TILE - top,
                });
            }
        }
        Self {
            zoom,
            tiles,
            household_px: (VIEW / 2.0, VIEW / 2.0),
            fix_px: (fx - left, fy - top),
            metres_per_px: metres_per_px(household.lat, zoom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHENGDU: LatLon = LatLon {
        lat: 30.6571,
        lon: 104.0811,
    };

    #[test]
    fn known_positions_fall_on_their_tiles_and_pixels() {
        // Null Island at zoom 1 is the corner shared by the four tiles.
        assert_eq!(
            tile_of(LatLon { lat: 0.0, lon: 0.0 }, 1),
            ((1, 1), (0.0, 0.0))
        );
        // Chengdu at zoom 17 (reference values from the OSM wiki's formula).
        let ((x, y), (px, py)) = tile_of(CHENGDU, 17);
        assert_eq!((x, y), (103_430, 53_799));
        assert!(
            (px - 197.646).abs() < 0.01 && (py - 225.181).abs() < 0.01,
            "{px} {py}"
        );
        // Westminster at zoom 15.
        let ((x, y), (px, py)) = tile_of(
            LatLon {
                lat: 51.5007,
                lon: -0.1246,
            },
            15,
        );
        assert_eq!((x, y), (16_372, 10_897));
        assert!(
            (px - 168.610).abs() < 0.01 && (py - 45.073).abs() < 0.01,
            "{px} {py}"
        );
        // The map's corners stay on the map.
        assert_eq!(
            tile_of(
                LatLon {
                    lat: 89.0,
                    lon: 180.0
                },
                2
            )
            .0,
            (3, 0)
        );
    }

    #[test]
    fn the_map_is_centred_on_the_household_with_one_to_four_tiles_at_a_close_zoom() {
        let fix = LatLon {
            lat: CHENGDU.lat + 0.00027, // about 30 m north
            lon: CHENGDU.lon,
        };
        let map = StaticMap::new(TileCrs::Wgs84, CHENGDU, fix, 8.0, 50.0);
        assert_eq!(map.zoom, 18, "30 m fits at the closest zoom");
        assert!((1..=4).contains(&map.tiles.len()), "{:?}", map.tiles);
        assert_eq!(map.household_px, (128.0, 128.0));
        let north_m = (128.0 - map.fix_px.1) * map.metres_per_px;
        assert!(
            (north_m - 30.0).abs() < 1.0,
            "the fix is drawn 30 m above: {north_m}"
        );
        // 50 m and its accuracy circle no longer fit at 18: one zoom out.
        let fifty = LatLon {
            lat: CHENGDU.lat + 0.00045,
            lon: CHENGDU.lon,
        };
        assert_eq!(
            StaticMap::new(TileCrs::Wgs84, CHENGDU, fifty, 8.0, 50.0).zoom,
            17
        );
        assert!((map.fix_px.0 - 128.0).abs() < 0.5);
        // The tiles cover the whole view.
        for (x, y) in [(0.0, 0.0), (255.0, 0.0), (0.0, 255.0), (255.0, 255.0)] {
            assert!(
                map.tiles
                    .iter()
                    .any(|t| t.left <= x && x < t.left + 256.0 && t.top <= y && y < t.top + 256.0),
                "({x}, {y}) uncovered: {:?}",
                map.tiles
            );
        }
        // A fix 3 km away zooms out until it is on the map.
        let far = LatLon {
            lat: CHENGDU.lat + 0.027,
            lon: CHENGDU.lon,
        };
        let map = StaticMap::new(TileCrs::Wgs84, CHENGDU, far, 8.0, 50.0);
        assert!(map.zoom < 15, "{}", map.zoom);
        assert!(map.fix_px.1 >= MARGIN && map.fix_px.1 < 128.0);
    }

    #[test]
    fn gcj02_tiles_get_the_converted_positions() {
        let fix = LatLon {
            lat: CHENGDU.lat + 0.0002,
            lon: CHENGDU.lon,
        };
        // The household is drawn at the centre; under it lies the tile pixel
        // of its position in the tile server's datum.
        let centre_on = |map: &StaticMap, p: LatLon| {
            let ((x, y), (px, py)) = tile_of(p, map.zoom);
            let tile = map
                .tiles
                .iter()
                .find(|t| (t.x, t.y) == (x, y))
                .expect("the centre's tile");
            assert!((tile.left + px - 128.0).abs() < 1e-6 && (tile.top + py - 128.0).abs() < 1e-6);
        };
        let wgs = StaticMap::new(TileCrs::Wgs84, CHENGDU, fix, 8.0, 50.0);
        let gcj = StaticMap::new(TileCrs::Gcj02, CHENGDU, fix, 8.0, 50.0);
        centre_on(&wgs, CHENGDU);
        let shifted = wgs84_to_gcj02(CHENGDU);
        centre_on(&gcj, shifted);
        // In Chengdu the GCJ-02 offset is hundreds of metres: hundreds of pixels at zoom 18.
        let (a, b) = (world_px(CHENGDU, 18), world_px(shifted, 18));
        assert!((a.0 - b.0).hypot(a.1 - b.1) > 200.0);
        // The fix keeps its place relative to the household (both converted).
        assert!(
            (wgs.fix_px.0 - gcj.fix_px.0).abs() < 0.5 && (wgs.fix_px.1 - gcj.fix_px.1).abs() < 0.5
        );
        // Outside China GCJ-02 is WGS-84.
        let paris = LatLon {
            lat: 48.8584,
            lon: 2.2945,
        };
        assert_eq!(
            StaticMap::new(TileCrs::Gcj02, paris, paris, 5.0, 50.0).tiles,
            StaticMap::new(TileCrs::Wgs84, paris, paris, 5.0, 50.0).tiles
        );
    }

    #[test]
    fn tile_urls_need_placeholders_and_http() {
        let s = TileSource::new(
            "https://tiles.example.org:8443/osm/{z}/{x}/{y}.png",
            TileCrs::Wgs84,
        )
        .expect("valid");
        assert_eq!(s.origin(), "https://tiles.example.org:8443");
        assert_eq!(
            url_for(&s.template, 17, 103_430, 53_799),
            "https://tiles.example.org:8443/osm/17/103430/53799.png"
        );
        assert_eq!(
            TileSource::new("https://t.example.org/{z}/{x}.png", TileCrs::Wgs84),
            Err(TileUrlError::MissingPlaceholder)
        );
        assert_eq!(
            TileSource::new("javascript:{z}{x}{y}", TileCrs::Wgs84),
            Err(TileUrlError::NotHttp)
        );
        assert_eq!("gcj02".parse(), Ok(TileCrs::Gcj02));
        assert!("bd09".parse::<TileCrs>().is_err());
    }

    #[test]
    fn the_html_has_positioned_tile_images_and_both_markers() {
        let s = TileSource::new(
            "https://t.example.org/{z}/{x}/{y}.png?k=a&b=c",
            TileCrs::Wgs84,
        )
        .expect("valid");
        let html = s.map_html(Lang::En, CHENGDU, CHENGDU, 5.0, 50.0);
        let imgs = html.matches("<img class=\"tile\"").count();
        assert!((1..=4).contains(&imgs), "{html}");
        assert!(html.contains("src=\"https://t.example.org/18/"), "{html}");
        assert!(html.contains("?k=a&amp;b=c"), "escaped: {html}");
        assert!(html.contains("position:absolute;left:"));
        assert!(html.contains("class=\"household\"") && html.contains("class=\"fix\""));
        assert!(!html.contains("<script"));
    }
}
