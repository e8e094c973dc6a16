//! Flags the engine accepts but does not act on, each answered with one warning: the Lovense USB
//! dongle, which the reference project has deprecated and is removing, and flags of older or
//! debug builds of intiface-engine, so that old command lines still start.

use crate::options::Options;

/// One line for each such flag given.
pub(crate) fn warnings(options: &Options) -> Vec<String> {
    let dongle = |flag: &str| {
        format!(
            "{flag}: the Lovense USB dongle is not supported (the reference project has \
             deprecated it and is removing it); Lovense toys work over Bluetooth LE: use \
             --use-bluetooth-le"
        )
    };
    let flags = [
        (options.use_lovense_dongle_hid, dongle("--use-lovense-dongle-hid")),
        (options.use_lovense_dongle_serial, dongle("--use-lovense-dongle-serial")),
        (
            options.allow_raw,
            "--allow-raw has no effect: in older intiface-engine releases it let clients send \
             raw bytes to devices; this engine never does"
                .to_owned(),
        ),
        (
            options.crash_reporting,
            "--crash-reporting has no effect: in older intiface-engine releases it sent crash \
             reports to an online service; this engine sends none"
                .to_owned(),
        ),
        (
            options.crash_main_thread || options.crash_task_thread,
            "--crash-main-thread and --crash-task-thread have no effect: debug builds of \
             intiface-engine crashed on purpose with them, to test crash reporting"
                .to_owned(),
        ),
    ];
    flags.into_iter().filter_map(|(given, line)| given.then_some(line)).collect()
}
