//! The device: what a phone app (through doorstep-ffi) and the device simulator
//! (the `doorstep device` command) do, in one place.
//!
//! It ties the encrypted store to the form engine (templates built in and
//! pulled), the evidence rules (door-check verdicts, the photo pipeline) and
//! sync. Every rule a screen needs is here, so the shells only render.

use crate::changes::{ChangeListener, DataChange};
use crate::clock::Clock;
use crate::evidence::{
    DoorCheck, DoorCheckInput, DoorCheckPolicy, DoorOutcome, GpsFix, HouseholdLocation,
    PhotoOptions, Watermark, check_door, process_photo,
};
use crate::forms::definition::FieldType;
use crate::forms::prefill::{MemberFacts, PrefillFacts, prefill_answers};
use crate::forms::registry::{TemplateRef, TemplateRegistry};
use crate::forms::{Form, Problem};
use crate::store::households::Disclosure;
use crate::store::visits::VisitRecord;
use crate::store::{DatabaseKey, OpenMode, Store, StoreError};
use crate::sync::protocol::{Account, PhotoRef};
use crate::sync::{CancelFlag, Network, Progress, SyncError, SyncOptions, SyncReport};
use doorstep_model::Visit;
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use uuid::Uuid;

/// Why a device call failed. Messages carry no personal data.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("not signed in: log in first")]
    NotSignedIn,
    #[error("unknown form template {0}")]
    UnknownTemplate(String),
    #[error("the visit cannot be finalized: {}", describe(.0))]
    Incomplete(Vec<Problem>),
    #[error("the photo was refused: {0}")]
    Photo(#[from] crate::evidence::PhotoError),
    #[error("the position is not a place on Earth")]
    BadPosition,
    #[error("the household is not in the signed-in worker's grids")]
    NotYourGrid,
    #[error("the server address is not an http or https address")]
    BadServerAddress,
    #[error("wrong username or password")]
    WrongPassword,
    #[error("the server cannot be reached")]
    ServerUnreachable,
    #[error("the address does not answer as a Doorstep server")]
    NotADoorstepServer,
    #[error("{waiting} visit(s) have not been sent; sign out only when the worker confirms")]
    UnsentVisits { waiting: u32 },
    #[error("the door check is not accepted yet: wait for a good fix or accept it by hand")]
    DoorCheckNotAccepted,
    #[error("the door check can be accepted by hand only after a suspect fix or the wait")]
    TooEarlyToAcceptByHand,
    #[error("the form has no such section now")]
    UnknownSection,
    #[error("the repeat already has the most entries its form allows")]
    RepeatFull,
    #[error("the repeat has the fewest entries its form allows; none can be removed")]
    RepeatAtMinimum,
    #[error("a sync is already running; this one was not started")]
    AlreadySyncing,
}

/// Problems by field path and code (never by value: answers are personal data).
fn describe(problems: &[Problem]) -> String {
    let parts: Vec<String> = problems
        .iter()
        .map(|p| format!("{} ({})", p.path, p.code))
        .collect();
    format!("{} problem(s): {}", problems.len(), parts.join(", "))
}

/// An open device: the encrypted store and the templates it knows.
pub struct Device {
    store: Store,
    /// Built-in versions and those pulled; a sync adds to it through `&self`,
    /// so a shell can share one `Device` between its screens and its sync.
    templates: RwLock<TemplateRegistry>,
    door_policy: DoorCheckPolicy,
    photo_options: PhotoOptions,
    /// The network the shell last reported (not stored: it is true only now).
    pub(crate) network: RwLock<Network>,
    /// Told of every change ([`crate::changes`]).
    pub(crate) listener: RwLock<Option<Arc<dyn ChangeListener>>>,
    /// The font the evidence watermark is drawn with (the phone's CJK system
    /// font), once the shell has named it.
    watermark_font: RwLock<Option<FontFile>>,
    /// Counts template reloads (with the store's generation, it dates
    /// what the lists worked out).
    pub(crate) templates_generation: std::sync::atomic::AtomicU64,
    /// What the household list and home screen worked out, until the data changes.
    pub(crate) list_cache: std::sync::Mutex<Option<crate::household_list::CachedFacts>>,
    /// Set while a sync or pull runs: the worker's "sync now" and the
    /// background job share one `Device`, and only one may run at a time.
    syncing: std::sync::atomic::AtomicBool,
}

/// Holds [`Device::syncing`] for one run and clears it when dropped, so a run
/// that fails, panics or is cancelled frees the next one.
struct SyncRun<'a>(&'a std::sync::atomic::AtomicBool);

impl<'a> SyncRun<'a> {
    /// The run, or [`DeviceError::AlreadySyncing`] while another one holds it.
    fn start(flag: &'a std::sync::atomic::AtomicBool) -> Result<Self, DeviceError> {
        use std::sync::atomic::Ordering;
        flag.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Self(flag))
            .map_err(|_| DeviceError::AlreadySyncing)
    }
}

impl Drop for SyncRun<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

/// A font file and the face of it to use (0 unless it is a collection).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FontFile {
    path: std::path::PathBuf,
    index: u32,
}

impl Device {
    /// Opens (or creates) the device database at `path` with `key`.
    pub fn open(path: &Path, key: &DatabaseKey, mode: OpenMode) -> Result<Self, DeviceError> {
        let store = Store::open_with(path, key, mode)?;
        let device = Self {
            store,
            templates: RwLock::new(
                TemplateRegistry::with_builtins()
                    .map_err(|e| StoreError::Invalid(format!("built-in templates: {e}")))?,
            ),
            door_policy: DoorCheckPolicy::default(),
            photo_options: PhotoOptions::default(),
            network: RwLock::new(Network::Wifi),
            listener: RwLock::new(None),
            watermark_font: RwLock::new(None),
            templates_generation: std::sync::atomic::AtomicU64::new(0),
            list_cache: std::sync::Mutex::new(None),
            syncing: std::sync::atomic::AtomicBool::new(false),
        };
        device.reload_templates()?;
        Ok(device)
    }

    /// The thresholds door checks are judged by.
    pub fn door_policy(&self) -> &DoorCheckPolicy {
        &self.door_policy
    }

    /// The store underneath, for lists and searches.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The template registry (built-in and pulled versions). Hold the guard
    /// briefly: a sync that brings new versions waits for it.
    pub fn templates(&self) -> RwLockReadGuard<'_, TemplateRegistry> {
        self.templates.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts a visit to `household` with the newest version of `template_id`,
    /// today by the device's clock (see [`Device::start_visit_on`]).
    pub fn start_visit(&self, household: Uuid, template_id: &str) -> Result<Visit, DeviceError> {
        self.start_visit_on(household, template_id, self.today())
    }

    /// Starts a visit to `household` with the newest version of `template_id`
    /// on `today`, with the answers the visit already knows filled in from the
    /// registry: every field the form marks with a `prefill` (the household's
    /// code, the visit date, the head as respondent, the residents as members).
    pub fn start_visit_on(
        &self,
        household: Uuid,
        template_id: &str,
        today: chrono::NaiveDate,
    ) -> Result<Visit, DeviceError> {
        let session = self.store.session()?.ok_or(DeviceError::NotSignedIn)?;
        self.check_grid(&session.account, household)?;
        let form = self
            .templates()
            .latest(template_id)
            .map_err(|_| DeviceError::UnknownTemplate(template_id.to_owned()))?;
        let version = u32::try_from(form.version())
            .map_err(|_| DeviceError::UnknownTemplate(template_id.to_owned()))?;
        let facts = self.prefill_facts(household, today)?;
        let answers = prefill_answers(&form.definition().fields, &facts);
        let visit = self.store.start_visit_with(
            household,
            template_id,
            version,
            session.account.user_id,
            &answers,
            self.now(),
        )?;
        self.notify(DataChange::VISIT);
        // The new draft is the open visit, to be reopened if the app is killed.
        self.keep_open(visit.id, today)?;
        Ok(visit)
    }

    /// What the registry knows of `household` for a visit starting on `today`.
    fn prefill_facts(
        &self,
        household: Uuid,
        today: chrono::NaiveDate,
    ) -> Result<PrefillFacts, DeviceError> {
        let detail = self.store.household(household, Disclosure::Full)?;
        let mut residents = detail.residents;
        // Head first, the others in the registry's order.
        residents.sort_by_key(|r| r.relation != doorstep_model::Relation::Head);
        Ok(PrefillFacts {
            household_code: detail.summary.code,
            head: detail.summary.head,
            address: detail.summary.address,
            visit_date: today,
            members: residents
                .into_iter()
                .map(|r| MemberFacts {
                    name: r.name,
                    id_number: r.id_number,
                    phone: r.phone,
                    relation: r.relation.as_str().to_owned(),
                })
                .collect(),
        })
    }

    /// Replaces a draft's answers (validated when the visit is finalized).
    pub fn set_answers(&self, visit: Uuid, answers: &serde_json::Value) -> Result<(), DeviceError> {
        self.store.set_answers(visit, answers)?;
        self.notify(DataChange::VISIT);
        Ok(())
    }

    /// Records the door check of a draft: the fix (or none) and the outcome;
    /// returns the verdict with its reasons and figures.
    pub fn door_check(
        &self,
        visit: Uuid,
        fix: Option<GpsFix>,
        outcome: DoorOutcome,
    ) -> Result<DoorCheck, DeviceError> {
        let record = self.store.visit(visit)?;
        let household = self.store.household_location(record.visit.household_id)?;
        let input = DoorCheckInput {
            fix,
            checked_at: self.now().utc,
            outcome,
            household,
        };
        let result = check_door(&input, &self.door_policy).map_err(|_| DeviceError::BadPosition)?;
        self.store.record_door_check(visit, &input, &result)?;
        self.notify(DataChange::VISIT);
        Ok(result)
    }

    /// Names the font the evidence watermark is drawn with — on a phone its
    /// CJK system font (`/system/fonts/NotoSansCJK-Regular.ttc`, face `index`
    /// of a collection). Refused, and the earlier choice kept, when the file
    /// cannot be read or is not a font with Chinese glyphs.
    pub fn set_watermark_font(&self, path: &Path, index: u32) -> Result<(), DeviceError> {
        let data = std::fs::read(path).map_err(|_| crate::evidence::PhotoError::FontUnreadable)?;
        // A probe line: the labels every watermark carries.
        Watermark::new(data, index, vec!["时间住户网格员到户核验".to_owned()])?;
        *self
            .watermark_font
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(FontFile {
            path: path.to_owned(),
            index,
        });
        Ok(())
    }

    /// Processes camera bytes (JPEG or PNG) and adds the photo to a draft as an
    /// answer to the photo field `field`, taken now by the device's clock
    /// (see [`Device::add_photo_at`]).
    pub fn add_photo(
        &self,
        visit: Uuid,
        field: &str,
        camera_bytes: &[u8],
    ) -> Result<PhotoRef, DeviceError> {
        self.add_photo_at(visit, field, camera_bytes, crate::clock::local(self.now()))
    }

    /// Processes camera bytes (JPEG or PNG: oriented, downscaled, metadata
    /// removed) and adds the photo to a draft as an answer to the photo field
    /// `field` (a signature field's answer becomes this picture alone, a
    /// photo field's list gains it). Once the shell has named a font ([`Device::set_watermark_font`]),
    /// the evidence watermark is burned into the pixels: the time `taken`, the
    /// household, the worker and the door check's verdict.
    pub fn add_photo_at(
        &self,
        visit: Uuid,
        field: &str,
        camera_bytes: &[u8],
        taken: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<PhotoRef, DeviceError> {
        let font = self
            .watermark_font
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let watermark = match font {
            Some(font) => {
                let lines = self.watermark_lines(visit, taken)?;
                let data = std::fs::read(&font.path)
                    .map_err(|_| crate::evidence::PhotoError::FontUnreadable)?;
                Some(Watermark::new(data, font.index, lines)?)
            }
            None => None,
        };
        let photo = process_photo(camera_bytes, &self.photo_options, watermark.as_ref())?;
        let added = self.store.add_photo(visit, field, &photo)?;
        // A signature field holds one picture's id, not a list: the new one replaces any earlier.
        let record = self.store.visit(visit)?;
        if self.form_of(&record)?.field_type(field) == Some(FieldType::Signature) {
            self.store.keep_only_photo(visit, field, &added.sha256)?;
        }
        self.notify(DataChange::VISIT);
        Ok(added)
    }

    /// The watermark's lines for a photo of `visit` taken at `taken`.
    fn watermark_lines(
        &self,
        visit: Uuid,
        taken: chrono::DateTime<chrono::FixedOffset>,
    ) -> Result<Vec<String>, DeviceError> {
        let record = self.store.visit(visit)?;
        let household = self
            .store
            .household(record.visit.household_id, Disclosure::Masked)?;
        let worker = self
            .store
            .session()?
            .map(|s| s.account.display_name)
            .unwrap_or_default();
        let door = match &record.door_check {
            Some(d) => {
                let mut words = d.result.verdict.label_zh().to_owned();
                if let Some(m) = d.result.figures.distance_m {
                    words.push_str(&format!("，距离 {m:.0} 米"));
                }
                if let Some(a) = d.result.figures.accuracy_m {
                    words.push_str(&format!("，精度 {a:.0} 米"));
                }
                if d.result.accepted_by_hand.is_some() {
                    words.push_str("，手动确认");
                }
                words
            }
            None => "未做到户核验".to_owned(),
        };
        Ok(vec![
            format!("时间：{}", taken.format("%Y-%m-%d %H:%M:%S %:z")),
            format!(
                "住户：{} {}",
                household.summary.code, household.summary.address
            ),
            format!("网格员：{worker}"),
            format!("到户核验：{door}"),
        ])
    }

    /// The problems that would stop a draft from being finalized now (empty
    /// when it can be).
    pub fn problems(&self, visit: Uuid) -> Result<Vec<Problem>, DeviceError> {
        let record = self.store.visit(visit)?;
        let form = self.form_of(&record)?;
        Ok(form.validate(&record.answers, self.today()).problems)
    }

    /// Finalizes a draft: its answers are validated by the form it was started
    /// with; on any problem it is refused with every problem listed; otherwise
    /// the cleaned answers are kept and the visit is queued for upload.
    pub fn finalize(&self, visit: Uuid) -> Result<Visit, DeviceError> {
        self.finalize_on(visit, self.today())
    }

    /// [`Device::finalize`] with the answers judged as of `today`.
    pub fn finalize_on(&self, visit: Uuid, today: chrono::NaiveDate) -> Result<Visit, DeviceError> {
        let record = self.store.visit(visit)?;
        let form = self.form_of(&record)?;
        let validation = form.validate(&record.answers, today);
        if !validation.is_valid() {
            return Err(DeviceError::Incomplete(validation.problems));
        }
        let answers = serde_json::Value::Object(validation.answers);
        let finalized = self.store.finalize_visit(visit, &answers, self.now())?;
        self.notify(DataChange::VISIT_AND_OUTBOX);
        Ok(finalized)
    }

    /// Starts the next revision of a returned visit.
    pub fn revise(&self, visit: Uuid) -> Result<Visit, DeviceError> {
        let session = self.store.session()?.ok_or(DeviceError::NotSignedIn)?;
        let household = self.store.visit(visit)?.visit.household_id;
        self.check_grid(&session.account, household)?;
        let next = self.store.revise_visit(visit, self.now())?;
        self.notify(DataChange::VISIT);
        self.keep_open(next.id, self.today())?;
        Ok(next)
    }

    /// Refuses work on a household outside the worker's grids: one kept on the
    /// phone after its grid was taken away, only until what waits there is
    /// uploaded. The server would refuse a visit begun there now.
    fn check_grid(&self, account: &Account, household: Uuid) -> Result<(), DeviceError> {
        let grid = self.store.household(household, Disclosure::Masked)?.grid_id;
        if account.grids.iter().any(|g| g.id == grid) {
            Ok(())
        } else {
            Err(DeviceError::NotYourGrid)
        }
    }

    /// Runs one sync; afterwards, newly pulled template versions are usable.
    /// Only one sync or pull runs at a time: while one runs, another call
    /// returns [`DeviceError::AlreadySyncing`] at once and changes nothing.
    pub async fn sync(
        &self,
        options: SyncOptions,
        progress: &(dyn Fn(&Progress) + Send + Sync),
        cancel: &CancelFlag,
    ) -> Result<SyncReport, DeviceError> {
        let _run = SyncRun::start(&self.syncing)?;
        let result = crate::sync::sync(&self.store, options, progress, cancel).await;
        if options.network != Network::Offline {
            self.record_sync(result.as_ref().err())?;
        }
        self.notify(DataChange::SYNC);
        let report = result?;
        if report.pulled.templates > 0 {
            self.reload_templates()?;
        }
        Ok(report)
    }

    /// Pulls changes only (households, templates, review decisions); like
    /// [`Device::sync`], refused while another sync or pull runs.
    pub async fn pull(
        &self,
        cancel: &CancelFlag,
    ) -> Result<crate::store::pull::PullSummary, DeviceError> {
        let _run = SyncRun::start(&self.syncing)?;
        let result = crate::sync::pull(&self.store, cancel).await;
        self.record_sync(result.as_ref().err())?;
        self.notify(DataChange::SYNC);
        let summary = result?;
        if summary.templates > 0 {
            self.reload_templates()?;
        }
        Ok(summary)
    }

    /// Now, by the device's clock (its store's: one clock for both).
    pub fn now(&self) -> doorstep_model::DeviceInstant {
        self.store.now()
    }

    /// Today's date on the device, by its clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.store.today()
    }

    /// Replaces the device's clock, for its screens and its store alike
    /// (tests and screenshots fix the date with a [`crate::clock::FixedClock`]).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        self.store.set_clock(clock);
    }

    /// Notes the end of a sync or pull that reached for the server; a run
    /// stopped before it (nobody signed in) is not an attempt.
    fn record_sync(&self, failure: Option<&SyncError>) -> Result<(), DeviceError> {
        if matches!(failure, Some(SyncError::NotSignedIn)) {
            return Ok(());
        }
        let code = failure.map(SyncError::code);
        Ok(self.store.record_sync(self.now().utc, code.as_deref())?)
    }

    fn form_of(&self, record: &VisitRecord) -> Result<Arc<Form>, DeviceError> {
        let template = TemplateRef {
            id: record.visit.template_id.clone(),
            version: u64::from(record.visit.template_version),
        };
        self.templates()
            .get(&template)
            .map_err(|_| DeviceError::UnknownTemplate(record.visit.template_id.clone()))
    }

    /// Makes every template version in the store usable, those pulled since
    /// the device was opened included (`sync` and `pull` call it themselves
    /// when they bring new versions). Versions already known are kept as they are.
    pub fn reload_templates(&self) -> Result<(), DeviceError> {
        let mut forms = Vec::new();
        for (id, _, definition) in self.store.pulled_templates()? {
            let form = Form::from_json(&definition).map_err(|e| {
                StoreError::Invalid(format!("pulled template {id} does not load: {e}"))
            })?;
            forms.push(form);
        }
        let mut templates = self.templates.write().unwrap_or_else(|p| p.into_inner());
        for form in forms {
            // A version already known (a built-in) is kept as it is.
            let _ = templates.insert(form);
        }
        self.templates_generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl Store {
    /// What the door check compares a fix with: the household's registered
    /// location (confirmed or only proposed), or nothing.
    pub fn household_location(&self, household: Uuid) -> Result<HouseholdLocation, StoreError> {
        self.read(|conn| {
            use rusqlite::OptionalExtension;
            let row: Option<(Option<f64>, Option<f64>, bool)> = conn
                .query_row(
                    "SELECT lat, lon, location_confirmed FROM households WHERE id = ?1",
                    [household.to_string()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (lat, lon, confirmed) = row.ok_or(StoreError::NotFound("household"))?;
            Ok(match (lat, lon) {
                (Some(lat), Some(lon)) => {
                    let position = crate::evidence::LatLon { lat, lon };
                    if confirmed {
                        HouseholdLocation::Registered { position }
                    } else {
                        HouseholdLocation::PendingProposal { position }
                    }
                }
                _ => HouseholdLocation::Unknown,
            })
        })
    }
}
