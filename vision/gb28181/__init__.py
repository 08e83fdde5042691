"""GB/T 28181 platform side (issue #26, docs/gb28181.md): devices and NVRs register to the vision worker over SIP.

- ``sip``: SIP helpers over the ``aiosipua`` message model (digest check, framing, building messages)
- ``manscdp``: the MANSCDP XML bodies (Keepalive, Catalog, DeviceInfo, DeviceStatus, DeviceControl,
  RecordInfo, MediaStatus), GB2312
- ``ptz``: the PTZCmd bytes of Annex A.3 (pure)
- ``platform``: the registrar and MANSCDP client (asyncio, UDP and TCP): live and playback INVITEs, PTZ
- ``media``: SDP, MPEG-PS over RTP (sending a clip; receiving and decoding with PyAV)
- ``ps``: where a keyframe starts in PS bytes, the cache a relay viewer starts from (pure)
- ``relay``: the worker's HTTP relay of a camera's PS to the service's live view (token-protected)
- ``worker_platform``: the platform inside the vision worker: ``gb28181://`` cameras, audited device events
- ``fold``: at most one audited event per device a minute (pure)
- ``sim_device``: a simulated device for tests
"""
