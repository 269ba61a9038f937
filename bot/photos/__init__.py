"""Photos citizens send: quality checks with a plain reason, and reading the KTP.

- `image`: decoding and the grey/scaled views the checks share.
- `card`: finding an ID card in a phone photo and straightening it.
- `quality`: too small, too dark, overexposed, blurred, card not found or cut off, a photo
  of a screen; each a problem code the conversation explains.
- `engines`: the local OCR engines (RapidOCR, Tesseract) behind one small interface.
- `ktp`: from OCR text boxes to KTP fields, checked by the same validators as typed input.
- `reader`: the whole KTP reading, and the checks for other photos.

Everything runs on this server: no cloud service, no model downloaded at run time.
"""
