//! Protocol name (as in the device database) → implementation.

use crate::protocol::{DeviceInfo, Protocol};
use crate::protocols::{
    adrienlastic, amorelie_joy, cachito, cowgirl, cowgirl_cone, cueme, deepsire, fluffer, fmachine,
    foreo, galaku, galaku_pump, hismith, hismith_mini, honeyplaybox, itoys, joyhub, kiiroo_prowand,
    kiiroo_v2, kiiroo_v2_vibrator, kiiroo_v3, kiiroo_v21, kiiroo_v21_initialized, lelo_f1sv2,
    lelo_harmony, libo_elle, libo_vibes, lovedistance, lovehoney_desire, lovense, luvmazer,
    magic_motion_1, magic_motion_2, magic_motion_4, meese, monsterpub, motorbunny, mysteryvibe,
    mysteryvibe_v2, nexus_revo, nobra, patoo, picobong, pink_punch, prettylove, sakuraneko,
    satisfyer, sensee, sensee_v2, sexverse_lg389, sexverse_v1, sexverse_v2, sexverse_v3,
    sexverse_v4, sexverse_v5, sexverse_v6, simulated, svakom_fatima, svakom_pulse, svakom_sam2,
    svakom_suitcase, svakom_v1, svakom_v2, svakom_v3, svakom_v4, svakom_v5, svakom_v6, synchro,
    tcode_v03, thehandy_v3, tryfun, tryfun_blackhole, umove, utimi, vibcrafter, vibio,
    vibratissimo, vorze_sa, wetoy, wevibe, wevibe_8bit, wevibe_chorus, yiciyuan, zalo,
};

/// One implementation.
#[derive(Debug, Clone, Copy)]
pub struct ProtocolEntry {
    /// The protocol name used by the device database.
    pub name: &'static str,
    /// Creates the state machine for a connected device.
    pub create: fn(&DeviceInfo<'_>) -> Box<dyn Protocol>,
}

/// Every implementation, sorted by name. A test checks each name against the embedded database.
pub const PROTOCOLS: &[ProtocolEntry] = &[
    ProtocolEntry { name: adrienlastic::NAME, create: adrienlastic::create },
    ProtocolEntry { name: amorelie_joy::NAME, create: amorelie_joy::create },
    ProtocolEntry { name: cachito::NAME, create: cachito::create },
    ProtocolEntry { name: cowgirl::NAME, create: cowgirl::create },
    ProtocolEntry { name: cowgirl_cone::NAME, create: cowgirl_cone::create },
    ProtocolEntry { name: cueme::NAME, create: cueme::create },
    ProtocolEntry { name: deepsire::NAME, create: deepsire::create },
    ProtocolEntry { name: fluffer::NAME, create: fluffer::create },
    ProtocolEntry { name: fmachine::NAME, create: fmachine::create },
    ProtocolEntry { name: foreo::NAME, create: foreo::create },
    ProtocolEntry { name: galaku::NAME, create: galaku::create },
    ProtocolEntry { name: galaku_pump::NAME, create: galaku_pump::create },
    ProtocolEntry { name: hismith::NAME, create: hismith::create },
    ProtocolEntry { name: hismith_mini::NAME, create: hismith_mini::create },
    ProtocolEntry { name: honeyplaybox::NAME, create: honeyplaybox::create },
    ProtocolEntry { name: itoys::NAME, create: itoys::create },
    ProtocolEntry { name: joyhub::NAME, create: joyhub::create },
    ProtocolEntry { name: kiiroo_prowand::NAME, create: kiiroo_prowand::create },
    ProtocolEntry { name: kiiroo_v2::NAME, create: kiiroo_v2::create },
    ProtocolEntry { name: kiiroo_v2_vibrator::NAME, create: kiiroo_v2_vibrator::create },
    ProtocolEntry { name: kiiroo_v21::NAME, create: kiiroo_v21::create },
    ProtocolEntry { name: kiiroo_v21_initialized::NAME, create: kiiroo_v21_initialized::create },
    ProtocolEntry { name: kiiroo_v3::NAME, create: kiiroo_v3::create },
    ProtocolEntry { name: lelo_f1sv2::NAME, create: lelo_f1sv2::create },
    ProtocolEntry { name: lelo_harmony::NAME, create: lelo_harmony::create },
    ProtocolEntry { name: libo_elle::NAME, create: libo_elle::create },
    ProtocolEntry { name: libo_vibes::NAME, create: libo_vibes::create },
    ProtocolEntry { name: lovedistance::NAME, create: lovedistance::create },
    ProtocolEntry { name: lovehoney_desire::NAME, create: lovehoney_desire::create },
    ProtocolEntry { name: lovense::NAME, create: lovense::create },
    ProtocolEntry { name: luvmazer::NAME, create: luvmazer::create },
    ProtocolEntry { name: magic_motion_1::NAME, create: magic_motion_1::create },
    ProtocolEntry { name: magic_motion_2::NAME, create: magic_motion_2::create },
    ProtocolEntry { name: magic_motion_4::NAME, create: magic_motion_4::create },
    ProtocolEntry { name: meese::NAME, create: meese::create },
    ProtocolEntry { name: monsterpub::NAME, create: monsterpub::create },
    ProtocolEntry { name: motorbunny::NAME, create: motorbunny::create },
    ProtocolEntry { name: mysteryvibe::NAME, create: mysteryvibe::create },
    ProtocolEntry { name: mysteryvibe_v2::NAME, create: mysteryvibe_v2::create },
    ProtocolEntry { name: nexus_revo::NAME, create: nexus_revo::create },
    ProtocolEntry { name: nobra::NAME, create: nobra::create },
    ProtocolEntry { name: patoo::NAME, create: patoo::create },
    ProtocolEntry { name: picobong::NAME, create: picobong::create },
    ProtocolEntry { name: pink_punch::NAME, create: pink_punch::create },
    ProtocolEntry { name: prettylove::NAME, create: prettylove::create },
    ProtocolEntry { name: sakuraneko::NAME, create: sakuraneko::create },
    ProtocolEntry { name: satisfyer::NAME, create: satisfyer::create },
    ProtocolEntry { name: sensee::NAME, create: sensee::create },
    ProtocolEntry { name: sensee_v2::NAME, create: sensee_v2::create },
    ProtocolEntry { name: sexverse_lg389::NAME, create: sexverse_lg389::create },
    ProtocolEntry { name: sexverse_v1::NAME, create: sexverse_v1::create },
    ProtocolEntry { name: sexverse_v2::NAME, create: sexverse_v2::create },
    ProtocolEntry { name: sexverse_v3::NAME, create: sexverse_v3::create },
    ProtocolEntry { name: sexverse_v4::NAME, create: sexverse_v4::create },
    ProtocolEntry { name: sexverse_v5::NAME, create: sexverse_v5::create },
    ProtocolEntry { name: sexverse_v6::NAME, create: sexverse_v6::create },
    ProtocolEntry { name: simulated::NAME, create: simulated::create },
    ProtocolEntry { name: svakom_fatima::NAME, create: svakom_fatima::create },
    ProtocolEntry { name: svakom_pulse::NAME, create: svakom_pulse::create },
    ProtocolEntry { name: svakom_sam2::NAME, create: svakom_sam2::create },
    ProtocolEntry { name: svakom_suitcase::NAME, create: svakom_suitcase::create },
    ProtocolEntry { name: svakom_v1::NAME, create: svakom_v1::create },
    ProtocolEntry { name: svakom_v2::NAME, create: svakom_v2::create },
    ProtocolEntry { name: svakom_v3::NAME, create: svakom_v3::create },
    ProtocolEntry { name: svakom_v4::NAME, create: svakom_v4::create },
    ProtocolEntry { name: svakom_v5::NAME, create: svakom_v5::create },
    ProtocolEntry { name: svakom_v6::NAME, create: svakom_v6::create },
    ProtocolEntry { name: synchro::NAME, create: synchro::create },
    ProtocolEntry { name: tcode_v03::NAME, create: tcode_v03::create },
    ProtocolEntry { name: thehandy_v3::NAME, create: thehandy_v3::create },
    ProtocolEntry { name: tryfun::NAME, create: tryfun::create },
    ProtocolEntry { name: tryfun_blackhole::NAME, create: tryfun_blackhole::create },
    ProtocolEntry { name: umove::NAME, create: umove::create },
    ProtocolEntry { name: utimi::NAME, create: utimi::create },
    ProtocolEntry { name: vibcrafter::NAME, create: vibcrafter::create },
    ProtocolEntry { name: vibio::NAME, create: vibio::create },
    ProtocolEntry { name: vibratissimo::NAME, create: vibratissimo::create },
    ProtocolEntry { name: vorze_sa::NAME, create: vorze_sa::create },
    ProtocolEntry { name: wetoy::NAME, create: wetoy::create },
    ProtocolEntry { name: wevibe::NAME, create: wevibe::create },
    ProtocolEntry { name: wevibe_8bit::NAME, create: wevibe_8bit::create },
    ProtocolEntry { name: wevibe_chorus::NAME, create: wevibe_chorus::create },
    ProtocolEntry { name: yiciyuan::NAME, create: yiciyuan::create },
    ProtocolEntry { name: zalo::NAME, create: zalo::create },
];

/// The implementation of `name`.
pub fn find(name: &str) -> Option<&'static ProtocolEntry> {
    PROTOCOLS.iter().find(|entry| entry.name == name)
}

/// Whether `name` has an implementation; servers skip candidates without one.
pub fn is_implemented(name: &str) -> bool {
    find(name).is_some()
}
