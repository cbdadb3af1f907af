"""KYC: read the uploaded ID-card photo and check it against what the applicant declared.

Pure domain code (`idnumber`, `fields`, `matching`), the OCR port (`ports.OcrEngine`), its
RapidOCR adapter (`rapid`, imported only by the wiring) and the services (`services`).
"""
