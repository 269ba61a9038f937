"""The conversation engine, its flows, validators and message catalogues.

Pure: nothing here touches the network, a database or the clock; time arrives inside
each `Incoming`, and anything that needs storage is asked for as an `Effect`.
"""
