"""GB/T 28181 platform side (issue #26, docs/gb28181.md): devices and NVRs register to Watchpost over SIP.

- ``sip``: SIP helpers over the ``aiosipua`` message model (digest check, framing, building messages)
- ``manscdp``: the MANSCDP XML bodies (Keepalive, Catalog, DeviceInfo, DeviceStatus), GB2312
- ``platform``: the registrar and MANSCDP client (asyncio, UDP and TCP)
- ``media``: SDP, MPEG-PS over RTP (sending a clip; receiving and decoding with PyAV)
- ``sim_device``: a simulated device for tests
"""
