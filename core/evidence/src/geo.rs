//! Positions on the earth: great-circle distance and the WGS-84 ⇄ GCJ-02 conversion.
//!
//! Doorstep stores every coordinate as WGS-84, which is what a GPS receiver reports. Chinese map
//! tiles (AMap, Tencent, …) are drawn in GCJ-02, an obfuscated datum that shifts positions by a
//! few hundred metres inside China. [`wgs84_to_gcj02`] is the published forward transform;
//! [`gcj02_to_wgs84`] inverts it by fixed-point iteration to well under 0.5 m. Outside China both
//! functions return the input unchanged, as the map providers do.
//!
//! [`haversine_m`] gives distances on a sphere of the earth's mean radius: at door-check scale
//! (tens of metres) its error against the ellipsoid is far below any phone's GPS accuracy.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Mean earth radius (IUGG), in metres.
const EARTH_MEAN_RADIUS_M: f64 = 6_371_008.8;
/// Semi-major axis of the Krasovsky 1940 ellipsoid that GCJ-02 is defined on.
const GCJ_AXIS: f64 = 6_378_245.0;
/// First eccentricity squared of the Krasovsky 1940 ellipsoid.
const GCJ_EE: f64 = 0.006_693_421_622_965_943;

/// A latitude/longitude pair in decimal degrees. Which datum it is in is up to the caller;
/// Doorstep stores WGS-84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    /// Latitude in degrees, −90 ..= 90, north positive.
    pub lat: f64,
    /// Longitude in degrees, −180 ..= 180, east positive.
    pub lon: f64,
}

/// Why a coordinate was refused. Messages never contain the coordinate itself: positions are
/// personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum GeoError {
    /// Latitude not a finite number within −90 ..= 90.
    #[error("latitude is not a number between -90 and 90")]
    InvalidLatitude,
    /// Longitude not a finite number within −180 ..= 180.
    #[error("longitude is not a number between -180 and 180")]
    InvalidLongitude,
}

impl GeoError {
    /// A stable machine-readable code for shells and logs.
    pub fn code(&self) -> &'static str {
        match self {
            GeoError::InvalidLatitude => "GEO_INVALID_LATITUDE",
            GeoError::InvalidLongitude => "GEO_INVALID_LONGITUDE",
        }
    }

    /// The message in Chinese, for the worker's screen.
    pub fn message_zh(&self) -> &'static str {
        match self {
            GeoError::InvalidLatitude => "纬度无效：应为 -90 到 90 之间的数字",
            GeoError::InvalidLongitude => "经度无效：应为 -180 到 180 之间的数字",
        }
    }
}

impl LatLon {
    /// Makes a checked position: both values finite and within range.
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::InvalidLatitude);
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::InvalidLongitude);
        }
        Ok(LatLon { lat, lon })
    }

    /// Checks a position that was built with a struct literal or deserialized.
    pub fn validate(self) -> Result<Self, GeoError> {
        LatLon::new(self.lat, self.lon)
    }
}

/// Great-circle distance in metres between two positions in the same datum.
pub fn haversine_m(a: LatLon, b: LatLon) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    // `min` guards against rounding pushing `h` a hair above 1 for antipodal points.
    2.0 * EARTH_MEAN_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// True when the position lies outside the rectangle in which GCJ-02 applies an offset.
///
/// This is the rectangle the map providers and the reference implementations use; it includes
/// some neighbouring territory, which those providers shift as well.
pub fn outside_china(p: LatLon) -> bool {
    !(72.004..=137.8347).contains(&p.lon) || !(0.8293..=55.8271).contains(&p.lat)
}

/// The GCJ-02 offset (degrees of latitude, degrees of longitude) at a WGS-84 position.
fn gcj_offset(p: LatLon) -> (f64, f64) {
    let x = p.lon - 105.0;
    let y = p.lat - 35.0;
    let pi = std::f64::consts::PI;

    let common = (20.0 * (6.0 * x * pi).sin() + 20.0 * (2.0 * x * pi).sin()) * 2.0 / 3.0;
    let mut dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    dlat += common;
    dlat += (20.0 * (y * pi).sin() + 40.0 * (y / 3.0 * pi).sin()) * 2.0 / 3.0;
    dlat += (160.0 * (y / 12.0 * pi).sin() + 320.0 * (y * pi / 30.0).sin()) * 2.0 / 3.0;

    let mut dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    dlon += common;
    dlon += (20.0 * (x * pi).sin() + 40.0 * (x / 3.0 * pi).sin()) * 2.0 / 3.0;
    dlon += (150.0 * (x / 12.0 * pi).sin() + 300.0 * (x / 30.0 * pi).sin()) * 2.0 / 3.0;

    let rad_lat = p.lat.to_radians();
    let magic = 1.0 - GCJ_EE * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((GCJ_AXIS * (1.0 - GCJ_EE)) / (magic * sqrt_magic) * pi);
    let dlon = (dlon * 180.0) / (GCJ_AXIS / sqrt_magic * rad_lat.cos() * pi);
    (dlat, dlon)
}

/// Converts a WGS-84 position to GCJ-02 for display on Chinese map tiles.
///
/// Positions outside China come back unchanged.
pub fn wgs84_to_gcj02(p: LatLon) -> LatLon {
    if outside_china(p) {
        return p;
    }
    let (dlat, dlon) = gcj_offset(p);
    LatLon {
        lat: p.lat + dlat,
        lon: p.lon + dlon,
    }
}

/// Converts a GCJ-02 position (e.g. a point picked on a Chinese map) back to WGS-84.
///
/// Inside China the result maps forward to the input within 1e-9° (about 0.1 mm), so it is
/// within far less than 0.5 m of the true WGS-84 position. Positions outside China come back
/// unchanged.
pub fn gcj02_to_wgs84(g: LatLon) -> LatLon {
    if outside_china(g) {
        return g;
    }
    // The offset varies slowly (its gradient is ~1e-5 per degree), so the fixed-point
    // iteration w ← w + (g − fwd(w)) contracts fast: 3–4 rounds reach 1e-9°.
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (elat, elon) = (g.lat - f.lat, g.lon - f.lon);
        w.lat += elat;
        w.lon += elon;
        if elat.abs() < 1e-10 && elon.abs() < 1e-10 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ll(lat: f64, lon: f64) -> LatLon {
        LatLon { lat, lon }
    }

    #[test]
    fn haversine_matches_known_distances() {
        // One degree of latitude on the mean sphere.
        let d = haversine_m(ll(30.0, 120.0), ll(31.0, 120.0));
        assert!((d - 111_195.08).abs() < 0.1, "{d}");
        // Beijing Tiananmen to Shanghai People's Square is about 1 067 km.
        let d = haversine_m(ll(39.9087, 116.3975), ll(31.2304, 121.4737));
        assert!((d - 1_067_000.0).abs() < 3_000.0, "{d}");
        assert_eq!(haversine_m(ll(10.0, 10.0), ll(10.0, 10.0)), 0.0);
        // Antipodes: half the circumference, no NaN.
        let d = haversine_m(ll(0.0, 0.0), ll(0.0, 180.0));
        assert!((d - std::f64::consts::PI * EARTH_MEAN_RADIUS_M).abs() < 1e-3);
    }

    #[test]
    fn forward_matches_published_reference_points() {
        // (wgs lat, wgs lon, gcj lat, gcj lon) from the reference implementations' test suites.
        let cases = [
            (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215), // Shanghai
            (22.543847, 113.912316, 22.540796131694766, 113.9171764808363), // Shenzhen
            (39.911954, 116.377817, 39.91334545536069, 116.38404722455657), // Beijing
            (39.915, 116.404, 39.91640428150164, 116.41024449916938),       // Beijing
        ];
        for (wlat, wlon, glat, glon) in cases {
            let g = wgs84_to_gcj02(ll(wlat, wlon));
            assert!((g.lat - glat).abs() < 1e-9, "{g:?}");
            assert!((g.lon - glon).abs() < 1e-9, "{g:?}");
        }
    }

    #[test]
    fn inverse_recovers_wgs84_within_half_a_metre_across_china() {
        let mut worst = 0.0f64;
        let mut lat = 18.0;
        while lat <= 53.5 {
            let mut lon = 73.5;
            while lon <= 135.0 {
                let w = ll(lat, lon);
                let back = gcj02_to_wgs84(wgs84_to_gcj02(w));
                worst = worst.max(haversine_m(w, back));
                lon += 0.37;
            }
            lat += 0.29;
        }
        assert!(worst < 0.01, "worst round-trip error {worst} m");
    }

    #[test]
    fn inverse_of_reference_points_lands_on_published_wgs84() {
        let g = ll(39.91334545536069, 116.38404722455657);
        let w = gcj02_to_wgs84(g);
        assert!(haversine_m(w, ll(39.911954, 116.377817)) < 0.5);
    }

    #[test]
    fn the_shift_inside_china_is_hundreds_of_metres() {
        let w = ll(39.9087, 116.3975);
        let d = haversine_m(w, wgs84_to_gcj02(w));
        assert!((100.0..1000.0).contains(&d), "{d}");
    }

    #[test]
    fn outside_china_passes_unchanged() {
        for p in [
            ll(48.8584, 2.2945),
            ll(-33.8568, 151.2153),
            ll(0.0, 0.0),
            ll(60.0, 100.0),
        ] {
            assert_eq!(wgs84_to_gcj02(p), p);
            assert_eq!(gcj02_to_wgs84(p), p);
        }
    }

    #[test]
    fn invalid_coordinates_are_refused_without_echoing_them() {
        assert_eq!(LatLon::new(91.0, 0.0), Err(GeoError::InvalidLatitude));
        assert_eq!(LatLon::new(f64::NAN, 0.0), Err(GeoError::InvalidLatitude));
        assert_eq!(LatLon::new(0.0, -180.5), Err(GeoError::InvalidLongitude));
        assert_eq!(
            LatLon::new(0.0, f64::INFINITY),
            Err(GeoError::InvalidLongitude)
        );
        assert!(LatLon::new(-90.0, 180.0).is_ok());
        let msg = LatLon::new(91.25, 0.0).unwrap_err().to_string();
        assert!(!msg.contains("91.25"));
    }
}
