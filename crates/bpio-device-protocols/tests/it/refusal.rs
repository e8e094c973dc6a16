//! A batch with one bad command produces no hardware command at all.

use bpio_device_config::DeviceConfig;
use bpio_device_protocols::{DeviceInfo, HwOutput, ProtocolDevice, ProtocolError, Step};
use bpio_hardware::{Endpoint, Transport};
use bpio_protocol::v4::OutputType;

fn edge() -> ProtocolDevice {
    let info = DeviceInfo::new("LVS-P36", Transport::Btle);
    let mut device = ProtocolDevice::new("lovense", &info).unwrap();
    loop {
        match device.poll_step().unwrap() {
            Step::Done => break,
            Step::Await { .. } => {
                device.handle_step_data(Endpoint::Rx, b"P:02:0082059AD3BD;").unwrap()
            }
            Step::Command(_) => {}
        }
    }
    let config = DeviceConfig::embedded().unwrap();
    let resolved = config.resolve("addr", "lovense", device.identifier()).unwrap();
    device.configure(resolved.definition).unwrap();
    assert_eq!(device.poll_step().unwrap(), Step::Done);
    device
}

#[test]
fn a_bad_command_in_a_batch_refuses_the_whole_batch() {
    let mut device = edge();
    let good = (0, HwOutput::new(OutputType::Vibrate, 10));
    let too_high = (1, HwOutput::new(OutputType::Vibrate, 21));
    let wrong_type = (1, HwOutput::new(OutputType::Rotate, 1));
    assert!(matches!(
        device.handle_outputs(&[good, too_high]),
        Err(ProtocolError::ValueOutOfRange { feature: 1, .. })
    ));
    assert!(matches!(
        device.handle_outputs(&[good, wrong_type]),
        Err(ProtocolError::UnsupportedOutput { .. })
    ));
    assert!(matches!(
        device.handle_outputs(&[(9, HwOutput::new(OutputType::Vibrate, 1))]),
        Err(ProtocolError::UnknownFeature(9))
    ));
    assert_eq!(device.handle_outputs(&[good]).unwrap().len(), 1);
}

#[test]
fn commands_before_init_are_refused() {
    let info = DeviceInfo::new("LVS-P36", Transport::Btle);
    let mut device = ProtocolDevice::new("lovense", &info).unwrap();
    let batch = [(0, HwOutput::new(OutputType::Vibrate, 1))];
    assert!(matches!(device.handle_outputs(&batch), Err(ProtocolError::OutOfOrder(_))));
    assert!(matches!(
        ProtocolDevice::new("no-such", &info),
        Err(ProtocolError::UnknownProtocol(_))
    ));
}

#[test]
fn stop_outputs_follow_section_9() {
    let device = edge();
    let stops = device.stop_outputs(None);
    assert_eq!(
        stops,
        [(0, HwOutput::new(OutputType::Vibrate, 0)), (1, HwOutput::new(OutputType::Vibrate, 0))]
    );
    assert!(device.stop_outputs(Some(2)).is_empty(), "the battery feature has no output");
}
