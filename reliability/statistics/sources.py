"""The sources irrkit cites: each reference once, by citation key (APA 7), with its in-text form.

The registry of statistics (:mod:`irrkit.statistics.registry`) names each statistic's source by key; the
methods paragraph and the reference list of the manuscript output read the texts from here. No imports:
cheap to load.
"""

from __future__ import annotations

IN_TEXT = {"fleiss1971": "Fleiss, 1971", "cohen1960": "Cohen, 1960", "conger1980": "Conger, 1980",
           "scott1955": "Scott, 1955", "gwet2008": "Gwet, 2008", "gwet2014": "Gwet, 2014",
           "krippendorff2004": "Krippendorff, 2004", "brennan1981": "Brennan & Prediger, 1981",
           "shrout1979": "Shrout & Fleiss, 1979", "mcgraw1996": "McGraw & Wong, 1996", "landis1977":
           "Landis & Koch, 1977", "koo2016": "Koo & Li, 2016", "cicchetti1994": "Cicchetti, 1994",
           "fleiss1981": "Fleiss, 1981", "altman1991": "Altman, 1991", "lombard2002": "Lombard et al., 2002",
           "light1971": "Light, 1971", "krippendorff2016": "Krippendorff et al., 2016",
           "bakeman2009": "Bakeman et al., 2009", "holle2015": "Holle & Rein, 2015",
           "mathet2015": "Mathet et al., 2015", "passonneau2006": "Passonneau, 2006",
           "calderon2025": "Calderon et al., 2025", "benjamini2001": "Benjamini & Yekutieli, 2001",
           "kottner2011": "Kottner et al., 2011",
           "lin1989": "Lin, 1989", "lin2000": "Lin, 2000", "barnhart2002": "Barnhart et al., 2002",
           "bland1986": "Bland & Altman, 1986", "bland1999": "Bland & Altman, 1999",
           "vanbelle2008": "Vanbelle & Albert, 2008", "vanbelle2017": "Vanbelle, 2017",
           "fleiss2003": "Fleiss et al., 2003"}
REFERENCES = {
    "passonneau2006": "Passonneau, R. (2006). Measuring agreement on set-valued items (MASI) for semantic and "
                      "pragmatic annotation. In *Proceedings of the Fifth International Conference on Language "
                      "Resources and Evaluation (LREC'06)* (pp. 831–836). ELRA.",
    "calderon2025": "Calderon, N., Reichart, R., & Dror, R. (2025). The alternative annotator test for "
                    "LLM-as-a-judge: How to statistically justify replacing human annotators with LLMs. In "
                    "*Proceedings of the 63rd Annual Meeting of the Association for Computational Linguistics "
                    "(Volume 1: Long Papers)* (pp. 16051–16081). Association for Computational Linguistics.",
    "benjamini2001": "Benjamini, Y., & Yekutieli, D. (2001). The control of the false discovery rate in multiple "
                     "testing under dependency. *Annals of Statistics, 29*(4), 1165–1188.",
    "kottner2011": "Kottner, J., Audigé, L., Brorson, S., Donner, A., Gajewski, B. J., Hróbjartsson, A., Roberts, "
                   "C., Shoukri, M., & Streiner, D. L. (2011). Guidelines for Reporting Reliability and Agreement "
                   "Studies (GRRAS) were proposed. *Journal of Clinical Epidemiology, 64*(1), 96–106.",
    "barnhart2002": "Barnhart, H. X., Haber, M., & Song, J. (2002). Overall concordance correlation coefficient for "
                    "evaluating agreement among multiple observers. *Biometrics, 58*(4), 1020–1027.",
    "bland1986": "Bland, J. M., & Altman, D. G. (1986). Statistical methods for assessing agreement between two "
                 "methods of clinical measurement. *The Lancet, 327*(8476), 307–310.",
    "bland1999": "Bland, J. M., & Altman, D. G. (1999). Measuring agreement in method comparison studies. "
                 "*Statistical Methods in Medical Research, 8*(2), 135–160.",
    "lin1989": "Lin, L. I.-K. (1989). A concordance correlation coefficient to evaluate reproducibility. "
               "*Biometrics, 45*(1), 255–268.",
    "lin2000": "Lin, L. I.-K. (2000). A note on the concordance correlation coefficient. *Biometrics, 56*(1), "
               "324–325.",
    "vanbelle2008": "Vanbelle, S., & Albert, A. (2008). A bootstrap method for comparing correlated kappa "
                    "coefficients. *Journal of Statistical Computation and Simulation, 78*(11), 1009–1015.",
    "vanbelle2017": "Vanbelle, S. (2017). Comparing dependent agreement coefficients obtained on multilevel data. "
                    "*Biometrical Journal, 59*(5), 1016–1034.",
    "fleiss2003": "Fleiss, J. L., Levin, B., & Paik, M. C. (2003). *Statistical methods for rates and proportions* "
                  "(3rd ed.). Wiley.",
    "holle2015": "Holle, H., & Rein, R. (2015). EasyDIAg: A tool for easy determination of interrater agreement. "
                 "*Behavior Research Methods, 47*(3), 837–847.",
    "mathet2015": "Mathet, Y., Widlöcher, A., & Métivier, J.-P. (2015). The unified and holistic method gamma (γ) "
                  "for inter-annotator agreement measure and alignment. *Computational Linguistics, 41*(3), "
                  "437–479.",
    "altman1991": "Altman, D. G. (1991). *Practical statistics for medical research*. Chapman and Hall.",
    "bakeman2009": "Bakeman, R., Quera, V., & Gnisci, A. (2009). Observer agreement for timed-event "
                   "sequential data: A comparison of time-based and event-based algorithms. *Behavior Research "
                   "Methods, 41*(1), 137–147.",
    "brennan1981": "Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, and "
                   "alternatives. *Educational and Psychological Measurement, 41*(3), 687–699.",
    "cicchetti1994": "Cicchetti, D. V. (1994). Guidelines, criteria, and rules of thumb for evaluating normed and "
                     "standardized assessment instruments in psychology. *Psychological Assessment, 6*(4), 284–290.",
    "cohen1960": "Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and Psychological "
                 "Measurement, 20*(1), 37–46.",
    "conger1980": "Conger, A. J. (1980). Integration and generalization of kappas for multiple raters. "
                  "*Psychological Bulletin, 88*(2), 322–328.",
    "fleiss1971": "Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. *Psychological "
                  "Bulletin, 76*(5), 378–382.",
    "fleiss1981": "Fleiss, J. L. (1981). *Statistical methods for rates and proportions* (2nd ed.). Wiley.",
    "gwet2008": "Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of high "
                "agreement. *British Journal of Mathematical and Statistical Psychology, 61*(1), 29–48.",
    "gwet2014": "Gwet, K. L. (2014). *Handbook of inter-rater reliability* (4th ed.). Advanced Analytics.",
    "koo2016": "Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation "
               "coefficients for reliability research. *Journal of Chiropractic Medicine, 15*(2), 155–163.",
    "krippendorff2016": "Krippendorff, K., Mathet, Y., Bouvry, S., & Widlöcher, A. (2016). On the reliability "
                        "of unitizing textual continua: Further developments. *Quality & Quantity, 50*(6), "
                        "2347–2364.",
    "krippendorff2004": "Krippendorff, K. (2004). *Content analysis: An introduction to its methodology* (2nd "
                        "ed.). Sage.",
    "landis1977": "Landis, J. R., & Koch, G. G. (1977). The measurement of observer agreement for categorical "
                  "data. *Biometrics, 33*(1), 159–174.",
    "light1971": "Light, R. J. (1971). Measures of response agreement for qualitative data: Some generalizations "
                 "and alternatives. *Psychological Bulletin, 76*(5), 365–377.",
    "lombard2002": "Lombard, M., Snyder-Duch, J., & Bracken, C. C. (2002). Content analysis in mass "
                   "communication: Assessment and reporting of intercoder reliability. *Human Communication "
                   "Research, 28*(4), 587–604.",
    "mcgraw1996": "McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass correlation "
                  "coefficients. *Psychological Methods, 1*(1), 30–46.",
    "scott1955": "Scott, W. A. (1955). Reliability of content analysis: The case of nominal scale coding. "
                 "*Public Opinion Quarterly, 19*(3), 321–325.",
    "shrout1979": "Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater "
                  "reliability. *Psychological Bulletin, 86*(2), 420–428.",
}
# the benchmark scales' sources (scale key -> citation key)
SCALE_SOURCE = {"landis_koch": "landis1977", "koo_li": "koo2016", "krippendorff": "krippendorff2004",
                "cicchetti": "cicchetti1994", "fleiss": "fleiss1981", "altman": "altman1991"}
