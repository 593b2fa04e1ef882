"""Cell2Fire's random draws, reproduced exactly (no Boost needed).

Why: latentga's built-in simulator must score a layout on the *same* fires the real C2F-W
binary simulates for a given ``--seed``, so that its numbers can be checked against the binary
fire for fire. C2F-W draws three numbers per fire with Boost.Random 1.74 on a Mersenne Twister,
and each Boost distribution consumes the 32-bit outputs in its own way. This module replays
that consumption bit for bit:

* fire ``ep`` (1-based) gets a fresh mt19937 seeded with ``seed * ep`` (wrapped to 32 bits, as
  the C++ ``int`` product converted to ``uint32``), classic ``init_genrand`` seeding;
* draw 1: the weather file number, ``uniform_int_distribution(1, n_weathers)``;
* draw 2: a standard normal (Boost's 128-layer ziggurat, tail through its exponential
  ziggurat), used by Cell2Fire only as the ROS-CV factor ``1 + cv * |z|``;
* draw 3: the index into the ignition candidate list, ``uniform_int_distribution(0, M - 1)``
  (no output is consumed when a range holds a single value, as in Boost).

The ziggurat tables below are the numeric constants of Boost 1.74's ``normal_table`` and
``exponential_table`` (parsed from the headers to the nearest double, as the C++ compiler does).
:func:`ignition_candidates` rebuilds C2F-W's ``--IgnitionRad`` candidate list in the binary's
order (ascending cell id), so a candidate index maps to the same cell as in the binary.
"""

from __future__ import annotations

import math
import operator
from typing import Tuple

import numpy as np

from latentga.errors import ConfigError, LandscapeError

__all__ = [
    "Mt19937Stream",
    "boost_uniform_int",
    "boost_uniform_01",
    "boost_unit_normal",
    "boost_unit_exponential",
    "draw_fire_scenarios",
    "fire_stream_seeds",
    "ignition_stream_seeds",
    "ignition_candidates",
    "random_ignition_draws",
    "NORMAL_TABLE_X",
    "NORMAL_TABLE_Y",
    "EXPONENTIAL_TABLE_X",
    "EXPONENTIAL_TABLE_Y",
]

_MASK32 = 0xFFFFFFFF



# --------------------------------------------------------------------------------------------
# Boost 1.74 ziggurat tables (boost/random/normal_distribution.hpp, exponential_distribution.hpp)
# --------------------------------------------------------------------------------------------
_NORMAL_X = np.array([
    3.7130862467403634, 3.4426198558966523, 3.2230849845786187, 3.0832288582142136,
    2.978696252645017, 2.894344007018671, 2.8231253505459666, 2.761169372384154,
    2.7061135731187225, 2.6564064112581924, 2.610972248428613, 2.569033625921639,
    2.5300096723854666, 2.493454522091951, 2.45901817740835, 2.4264206455302118,
    2.3954342780074676, 2.3658713701139877, 2.337575241335531, 2.310413683695002,
    2.2842740596736566, 2.2590595738653296, 2.234686395587057, 2.211081408874728,
    2.1881804320720204, 2.1659267937448408, 2.1442701823562613, 2.12316570866979,
    2.1025731351849988, 2.0824562379877247, 2.0627822745039635, 2.0435215366506694,
    2.024646973372934, 2.006133869958967, 1.9879595741230607, 1.9701032608497133,
    1.9525457295488888, 1.9352692282919002, 1.9182573008597321, 1.9014946531003176,
    1.8849670357028692, 1.868661140989542, 1.8525645117230871, 1.836665460253384,
    1.8209529965910052, 1.8054167642140488, 1.790046982594619, 1.7748343955807693,
    1.759770224894232, 1.7448461281083765, 1.7300541605582436, 1.7153867407081165,
    1.700836618564301, 1.6863968467734862, 1.6720607540918522, 1.6578219209482075,
    1.6436741568569826, 1.6296114794646783, 1.615628095037133, 1.601718380215277,
    1.5878768648844006, 1.5740982160167498, 1.5603772223598407, 1.5467087798535035,
    1.533087877667556, 1.5195095847593707, 1.5059690368565504, 1.4924614237746154,
    1.4789819769830979, 1.4655259573357946, 1.4520886428822164, 1.4386653166774612,
    1.4252512545068616, 1.4118417124397602, 1.3984319141236063, 1.3850170377251487,
    1.3715922024197322, 1.3581524543224228, 1.344692751745713, 1.3312079496576765,
    1.317692783201343, 1.3041418501204216, 1.290549591917873, 1.2769102735516997,
    1.2632179614460282, 1.2494664995643336, 1.235649483254481, 1.2217602305309625,
    1.2077917504067577, 1.1937367078237722, 1.1795873846544607, 1.1653356361550469,
    1.150972842138976, 1.1364898520030755, 1.121876922572254, 1.1071236475235353,
    1.0922188768965537, 1.0771506248819376, 1.0619059636836194, 1.0464709007525803,
    1.0308302360564556, 1.0149673952392995, 0.9988642334806435, 0.9825008035027604,
    0.9658550793881306, 0.9489026254979119, 0.9316161966013539, 0.9139652510088018,
    0.8959153525662386, 0.8774274290977156, 0.8584568431780508, 0.8389522142812075,
    0.8188539066833177, 0.7980920606262748, 0.7765839878761484, 0.75423066443451,
    0.7309119106218813, 0.706479611313608, 0.6807479186459042, 0.6534786387150424,
    0.6243585973090883, 0.592962942441978, 0.558692178375518, 0.5206560387251449,
    0.47743783725378786, 0.42654798630330515, 0.3628714310284183, 0.2723208647046638,
    0.0,
])

_NORMAL_Y = np.array([
    0.0, 0.0026696290839025036, 0.00554899522081647, 0.008624484412930471,
    0.011839478657982313, 0.015167298010672042, 0.018592102737165814, 0.022103304616111593,
    0.025693291936149616, 0.02935631744025383, 0.03308788614650515, 0.03688438878696877,
    0.040742868074790606, 0.04466086220087243, 0.048636295860284055, 0.05266740190350317,
    0.05675266348153858, 0.060890770348566374, 0.06508058521363187, 0.06932111739418026,
    0.07361150188475489, 0.07795098251465471, 0.08233889824295741, 0.08677467189554297,
    0.09125780082763471, 0.09578784912257815, 0.10036444102954555, 0.10498725541035454,
    0.10965602101581776, 0.11437051244988827, 0.11913054670871859, 0.12393598020398175,
    0.12878670619710397, 0.13368265258464765, 0.13862377998585104, 0.143610080091933,
    0.14864157424369698, 0.15371831220958657, 0.15884037114093508, 0.16400785468492773,
    0.16922089223892475, 0.17447963833240232, 0.17978427212496212, 0.18513499701071343,
    0.19053204032091373, 0.1959756531181104, 0.20146611007620324, 0.2070037094418738,
    0.2125887730737361, 0.2182216465563706, 0.2239026993871339, 0.22963232523430271,
    0.23541094226572765, 0.24123899354775133, 0.24711694751469673, 0.25304529850976587,
    0.25902456739871077, 0.26505530225816193, 0.2711380791410253, 0.27727350292189773,
    0.28346220822601254, 0.2897048604458105, 0.2960021568498558, 0.30235482778947975,
    0.30876363800925194, 0.31522938806815753, 0.3217529158792086, 0.3283350983761524,
    0.33497685331697113, 0.3416791412350137, 0.3484429675498725, 0.35526938485154713,
    0.3621594953730332, 0.36911445366827517, 0.3761354695144544, 0.3832238110598836,
    0.3903808082413895, 0.39760785649804253, 0.40490642081148837, 0.4122780401070246,
    0.41972433205403825, 0.4272469983095624, 0.4348478302546619, 0.4425287152802466,
    0.450291643686927, 0.45813871627287195, 0.466072152694571, 0.4740943006982496,
    0.4822076463348387, 0.4904148252893216, 0.49871863547658435, 0.5071220510813046,
    0.515628238249872, 0.5242405726789928, 0.5329626593899875, 0.5417983550317241,
    0.5507517931210553, 0.5598274127106948, 0.5690299910747216, 0.5783646811267024,
    0.5878370544418206, 0.5974531509518123, 0.6072195366326049, 0.6171433708265625,
    0.6272324852578146, 0.6374954773431448, 0.6479418211185508, 0.6585820000586536,
    0.6694276673577062, 0.6804918410064144, 0.6917891434460358, 0.7033360990258174,
    0.7151515074204771, 0.7272569183545059, 0.7396772436833382, 0.7524415591857038,
    0.7655841739092359, 0.7791460859417032, 0.7931770117838592, 0.8077382946961211,
    0.822907211395262, 0.8387836053106472, 0.8555006078850643, 0.8732430489268536,
    0.8922816508023027, 0.9130436479920381, 0.936282681708371, 0.9635996931557675,
    1.0,
])

_EXPONENTIAL_X = np.array([
    8.69711747013105, 7.69711747013105, 6.941033629377213, 6.47837849383257,
    6.144164665772473, 5.8821443157954, 5.666410167454034, 5.4828906275260625,
    5.323090505754399, 5.181487281301501, 5.054288489981305, 4.938777085901251,
    4.832939741025113, 4.735242996601741, 4.644491885420085, 4.559737061707351,
    4.480211746528422, 4.405287693473573, 4.334443680317273, 4.267242480277366,
    4.203313713735184, 4.1423408656640515, 4.084051310408298, 4.028208544647937,
    3.9746060666737884, 3.9230625001354897, 3.873417670399509, 3.8255294185223367,
    3.779270992411668, 3.7345288940397974, 3.691201090237419, 3.6491955157608538,
    3.6084288131289095, 3.5688252656483375, 3.530315889129344, 3.49283765477406,
    3.4563328211327606, 3.4207483572511204, 3.386035442460302, 3.35214903090011,
    3.319047470970749, 3.286692171599069, 3.2550473085704503, 3.2240795652862646,
    3.1937579032122407, 3.1640533580259733, 3.134938858084441, 3.1063890623398245,
    3.0783802152540907, 3.0508900166154556, 3.0238975044556766, 2.9973829495161306,
    2.9713277599210897, 2.9457143948950457, 2.920526286512741, 2.895747768600142,
    2.8713640120155364, 2.847360965635189, 2.8237253024500353, 2.8004443702507382,
    2.777506146439757, 2.7548991965623455, 2.732612636194701, 2.710636095867929,
    2.688959688741804, 2.667573980773267, 2.6464699631518096, 2.6256390267977885,
    2.6050729387408356, 2.5847638202141408, 2.5647041263169053, 2.54488662711187,
    2.525304390037828, 2.505950763528594, 2.48681936174021, 2.467904050297365,
    2.4491989329782498, 2.4306983392644197, 2.4123968126888706, 2.3942890999214583,
    2.376370140536141, 2.3586350574093373, 2.341079147703035, 2.3236978743901964,
    2.30648685828358, 2.2894418705322694, 2.272558825553155, 2.255833774367219,
    2.2392628983129086, 2.2228425031110364, 2.2065690132576634, 2.19043896672322,
    2.1744490099377747, 2.1585958930438855, 2.1428764653998416, 2.127287671317368,
    2.1118265460190417, 2.0964902118017146, 2.0812758743932247, 2.0661808194905755,
    2.051202409468585, 2.0363380802487696, 2.021585338318926, 2.006941757894518,
    1.9924049782135764, 1.9779727009573602, 1.963642687789548, 1.9494127580071845,
    1.9352807862970511, 1.9212447005915276, 1.907302480018387, 1.8934521529393078,
    1.8796917950722107, 1.8660195276928275, 1.852433515911175, 1.8389319670188793,
    1.8255131289035191, 1.8121752885263902, 1.7989167704602904, 1.7857359354841253,
    1.772631179231305, 1.7596009308890743, 1.746643651946074, 1.7337578349855711,
    1.720942002521935, 1.7081947058780576, 1.6955145241015377, 1.6829000629175537,
    1.670349953716452, 1.6578628525741725, 1.6454374393037234, 1.6330724165359911,
    1.6207665088282577, 1.6085184617988582, 1.5963270412864832, 1.5841910325326887,
    1.5721092393862295, 1.5600804835278879, 1.5481036037145133, 1.5361774550410319,
    1.524300908219226, 1.5124728488721169, 1.5006921768428165, 1.4889578055167456,
    1.4772686611561334, 1.4656236822457451, 1.4540218188487932, 1.4424620319720123,
    1.4309432929388795, 1.4194645827699828, 1.4080248915695353, 1.3966232179170417,
    1.3852585682631218, 1.3739299563284901, 1.3626364025050866, 1.351376933258335,
    1.3401505805295046, 1.3289563811371163, 1.3177933761763245, 1.306660610415174,
    1.2955571316866008, 1.2844819902750126, 1.2734342382962411, 1.2624129290696153,
    1.2514171164808525, 1.2404458543344064, 1.229498195693849, 1.2185731922087903,
    1.2076698934267613, 1.196787346088403, 1.1859245934042024, 1.1750806743109117,
    1.1642546227056791, 1.1534454666557747, 1.1426522275816728, 1.1318739194110787,
    1.1211095477013306, 1.1103581087274115, 1.0996185885325978, 1.0888899619385473,
    1.0781711915113728, 1.067461226479968, 1.0567590016025519, 1.0460634359770447,
    1.035373431790529, 1.0246878730026179, 1.0140056239570971, 1.0033255279156974,
    0.9926464055072765, 0.9819670530850632, 0.9712862409839039, 0.9606027116686671,
    0.9499151777640766, 0.939222319955263, 0.9285227847472112, 0.917815182070045,
    0.907098082715691, 0.8963700155898907, 0.8856294647617523, 0.8748748662910258,
    0.8641046048110052, 0.853317009842374, 0.8425103518103693, 0.8316828377342739,
    0.8208326065544125, 0.8099577240574191, 0.7990561773554878, 0.7881258688694932,
    0.7771646097591305, 0.7661701127354354, 0.7551399841819829, 0.7440717155005088,
    0.7329626735843661, 0.7218100903087569, 0.7106110509096557, 0.6993624811032326,
    0.6880611327737486, 0.6767035680295234, 0.6652861413926786, 0.6538049798476656,
    0.642255960424537, 0.630634684933491, 0.6189364513948767, 0.6071562216203008,
    0.5952885842915036, 0.5833277127487703, 0.571267316532589, 0.5591005855115413,
    0.5468201251633111, 0.5344178812371662, 0.5218850515921356, 0.509211982443655,
    0.4963880455186716, 0.48340149165346225, 0.47023927508216945, 0.45688684093142073,
    0.44332786607355296, 0.4295439402254113, 0.415514169600357, 0.4012146788962784,
    0.38661797794112024, 0.37169214532991784, 0.3563997602583944, 0.3406964810648498,
    0.32452911701691006, 0.3078329546749329, 0.29052795549123117, 0.2725131854784655,
    0.25365836338591286, 0.23379048305967554, 0.21267151063096745, 0.18995868962243279,
    0.1651276225641883, 0.1373049809400138, 0.10483850756582018, 0.06385216381500348,
    0.0,
])

_EXPONENTIAL_Y = np.array([
    0.0, 0.00045413435384149677, 0.0009672692823271745, 0.0015362997803015724,
    0.0021459677437189063, 0.002788798793574076, 0.003460264777836904, 0.004157295120833795,
    0.004877655983542392, 0.005619642207205483, 0.006381905937319179, 0.007163353183634984,
    0.00796307743801704, 0.008780314985808975, 0.00961441364250221, 0.010464810181029979,
    0.011331013597834597, 0.012212592426255381, 0.013109164931254991, 0.014020391403181938,
    0.014945968011691148, 0.015885621839973163, 0.016839106826039948, 0.01780620041091136,
    0.01878670074469603, 0.019780424338009743, 0.020787204072578117, 0.02180688750428358,
    0.02283933540638524, 0.02388442051155817, 0.024942026419731783, 0.026012046645134217,
    0.0270943837809558, 0.028188948763978636, 0.029295660224637393, 0.030414443910466604,
    0.03154523217289361, 0.032687963508959535, 0.03384258215087433, 0.03500903769739741,
    0.03618728478193142, 0.03737728277295936, 0.03857899550307486, 0.039792391023374125,
    0.04101744138041482, 0.042254122413316234, 0.04350241356888818, 0.04476229773294328,
    0.04603376107617517, 0.04731679291318155, 0.0486113855733795, 0.04991753428270637,
    0.05123523705512628, 0.05256449459307169, 0.05390531019604609, 0.05525768967669704,
    0.05662164128374288, 0.05799717563120066, 0.059384305633420266, 0.06078304644547963,
    0.062193415408540995, 0.06361543199980733, 0.06504911778675375, 0.06649449638533977,
    0.0679515934219366, 0.06942043649872875, 0.07090105516237183, 0.07239348087570874,
    0.07389774699236475, 0.07541388873405841, 0.0769419431704805, 0.07848194920160642,
    0.0800339475423199, 0.08159798070923742, 0.08317409300963238, 0.08476233053236812,
    0.08636274114075691, 0.08797537446727022, 0.08960028191003286, 0.09123751663104016,
    0.09288713355604354, 0.09454918937605586, 0.0962237425504328, 0.0979108533114922,
    0.09961058367063713, 0.10132299742595363, 0.10304816017125772, 0.10478613930657017,
    0.10653700405000166, 0.1083008254510338, 0.11007767640518538, 0.1118676316700563,
    0.11367076788274431, 0.11548716357863353, 0.11731689921155557, 0.11916005717532768,
    0.12101672182667483, 0.12288697950954514, 0.12477091858083096, 0.12666862943751067,
    0.12858020454522817, 0.13050573846833077, 0.13244532790138752, 0.13439907170221363,
    0.13636707092642886, 0.1383494288635802, 0.14034625107486245, 0.1423576454324722,
    0.14438372216063478, 0.14642459387834494, 0.1484803756438668, 0.1505511850010399,
    0.15263714202744286, 0.15473836938446808, 0.15685499236936523, 0.1589871389693142,
    0.16113493991759203, 0.16329852875190182, 0.165478041874936, 0.1676736186172502,
    0.16988540130252766, 0.17211353531532006, 0.1743581691713535, 0.17661945459049488,
    0.1788975465724783, 0.1811926034754963, 0.18350478709776746, 0.1858342627621971,
    0.18818119940425432, 0.1905457696631954, 0.19292814997677135, 0.19532852067956322,
    0.19774706610509887, 0.20018397469191127, 0.20263943909370902, 0.2051136562938377,
    0.20760682772422204, 0.21011915938898826, 0.21265086199297828, 0.21520215107537868,
    0.21777324714870053, 0.2203643758433595, 0.2229757680581202, 0.22560766011668407,
    0.2282602939307167, 0.2309339171696274, 0.23362878343743335, 0.23634515245705964,
    0.23908329026244918, 0.24184346939887721, 0.2446259691318921, 0.24743107566532763,
    0.2502590823688623, 0.25311029001562946, 0.2559850070304154, 0.25888354974901623,
    0.261806242689363, 0.2647534188350622, 0.2677254199320448, 0.27072259679906,
    0.27374530965280297, 0.27679392844851736, 0.2798688332369729, 0.28297041453878075,
    0.2860990737370768, 0.28925522348967775, 0.2924392881618926, 0.2956517042812612,
    0.2988929210155818, 0.3021634006756935, 0.30546361924459026, 0.3087940669345602,
    0.31215524877417955, 0.31554768522712895, 0.31897191284495724, 0.32242848495608917,
    0.3259179723935562, 0.3294409642641363, 0.332998068761809, 0.3365899140286776,
    0.34021714906678, 0.3438804447045024, 0.347580494621637, 0.35131801643748334,
    0.35509375286678746, 0.3589084729487498, 0.3627629733548178, 0.36665807978151416,
    0.370594648435146, 0.37457356761590216, 0.3785957594095808, 0.38266218149600983,
    0.38677382908413765, 0.3909317369847971, 0.39513698183329016, 0.3993906844752311,
    0.4036940125305303, 0.4080481831520324, 0.4124544659971612, 0.4169141864330029,
    0.4214287289976166, 0.42599954114303434, 0.43062813728845883, 0.4353161032156366,
    0.4400651008423539, 0.4448768734145485, 0.449753251162755, 0.4546961574746155,
    0.4597076156421377, 0.4647897562504262, 0.46994482528396, 0.4751751930373774,
    0.4804833639304542, 0.4858719873418849, 0.49134386959403253, 0.49690198724154955,
    0.5025495018413477, 0.5082897764106429, 0.5141263938147486, 0.5200631773682336,
    0.5261042139836197, 0.5322538802630433, 0.5385168720028619, 0.5448982376724396,
    0.5514034165406413, 0.5580382822625874, 0.5648091929124002, 0.5717230486648258,
    0.578787358602845, 0.586010318477268, 0.5934009016917334, 0.6009689663652322,
    0.608725382079622, 0.6166821809152077, 0.624852738703666, 0.6332519942143661,
    0.6418967164272661, 0.6508058334145711, 0.6600008410789997, 0.6695063167319247,
    0.6793505722647654, 0.689566496117078, 0.7001926550827882, 0.711274760805076,
    0.722867659593572, 0.7350380924314235, 0.7478686219851951, 0.7614633888498963,
    0.7759568520401156, 0.7915276369724956, 0.8084216515230084, 0.8269932966430503,
    0.8477855006239896, 0.8717043323812036, 0.9004699299257465, 0.9381436808621747,
    1.0,
])

NORMAL_TABLE_X: np.ndarray = _NORMAL_X
NORMAL_TABLE_Y: np.ndarray = _NORMAL_Y
EXPONENTIAL_TABLE_X: np.ndarray = _EXPONENTIAL_X
EXPONENTIAL_TABLE_Y: np.ndarray = _EXPONENTIAL_Y
for _table in (NORMAL_TABLE_X, NORMAL_TABLE_Y, EXPONENTIAL_TABLE_X, EXPONENTIAL_TABLE_Y):
    _table.setflags(write=False)

# Plain-float copies: the draw loops run in Python, where list indexing beats NumPy scalars.
_NX = NORMAL_TABLE_X.tolist()
_NY = NORMAL_TABLE_Y.tolist()
_EX = EXPONENTIAL_TABLE_X.tolist()
_EY = EXPONENTIAL_TABLE_Y.tolist()
_TAIL_START = _NX[1]
_TWO_M53 = 2.0 ** -53
_TWO_M32 = 2.0 ** -32


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------
class Mt19937Stream:
    """The raw 32-bit outputs of ``boost::random::mt19937(seed)`` (= classic ``init_genrand``).

    NumPy's MT19937 with legacy seeding yields exactly this stream; the object is reused across
    fires (re-seeding is cheap, constructing a NumPy bit generator is not). Call the object to
    get the next output as a Python int; :attr:`consumed` counts outputs since the last seed.
    """

    _CHUNK = 8  # a fire needs 4 outputs in most cases; refill in small chunks

    def __init__(self, seed: int = 5489) -> None:
        self._bitgen = np.random.MT19937(0)
        self._buf: list = []
        self._pos = 0
        self.consumed = 0
        self.seed(seed)

    def seed(self, seed: int) -> None:
        """Restart the stream as ``mt19937(seed mod 2**32)``."""
        value = operator.index(seed) & _MASK32
        try:
            self._bitgen._legacy_seeding(value)
        except AttributeError:  # pragma: no cover - NumPy without the private helper
            key = np.random.RandomState(value).get_state()[1]
            self._bitgen.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
        self._buf = []
        self._pos = 0
        self.consumed = 0

    def __call__(self) -> int:
        if self._pos == len(self._buf):
            self._buf = self._bitgen.random_raw(self._CHUNK).tolist()
            self._pos = 0
        value = self._buf[self._pos]
        self._pos += 1
        self.consumed += 1
        return value


# --------------------------------------------------------------------------------------------
# Boost distributions, specialised to a 32-bit engine
# --------------------------------------------------------------------------------------------
def boost_uniform_int(stream: Mt19937Stream, lo: int, hi: int) -> int:
    """``boost::random::uniform_int_distribution<int>(lo, hi)(eng)`` for a 32-bit engine.

    Bucket rejection: one output ``x`` gives ``x // bucket``, redrawn while above the range.
    A single-value range returns ``lo`` without consuming any output.
    """
    span = hi - lo
    if span < 0:
        raise ValueError(f"boost_uniform_int: empty range [{lo}, {hi}]")
    if span == 0:
        return lo
    if span == _MASK32:
        return lo + stream()
    if span > _MASK32:
        raise ValueError("boost_uniform_int: ranges wider than 2**32 values are not supported")
    bucket = _MASK32 // (span + 1)
    if _MASK32 % (span + 1) == span:
        bucket += 1
    while True:
        value = stream() // bucket
        if value <= span:
            return lo + value


def boost_uniform_01(stream: Mt19937Stream) -> float:
    """``boost::random::uniform_01<double>`` on a 32-bit engine: one output times 2**-32."""
    return stream() * _TWO_M32


def _int_float_pair(stream: Mt19937Stream) -> Tuple[float, int]:
    """Boost's ``generate_int_float_pair<double, 8>``: two outputs -> (53-bit uniform, 8 bits).

    The first output gives the 8-bit index (its low byte) and the 24 low bits of the uniform
    (its upper 24 bits); the second gives the 29 high bits of the uniform. Exact in doubles.
    """
    u1 = stream()
    u2 = stream()
    return (((u2 & 0x1FFFFFFF) << 24) | (u1 >> 8)) * _TWO_M53, u1 & 0xFF


def boost_unit_exponential(stream: Mt19937Stream) -> float:
    """Boost 1.74 ``unit_exponential_distribution<double>`` (256-layer ziggurat)."""
    ex, ey = _EX, _EY
    shift = 0.0
    while True:
        r, i = _int_float_pair(stream)
        x = r * ex[i]
        if x < ex[i + 1]:
            return shift + x
        if i == 0:
            shift += ex[1]
            continue
        y01 = boost_uniform_01(stream)
        y = ey[i] + y01 * (ey[i + 1] - ey[i])
        y_above_ubound = (ex[i] - ex[i + 1]) * y01 - (ex[i] - x)
        y_above_lbound = y - (ey[i + 1] + (ex[i + 1] - x) * ey[i + 1])
        if y_above_ubound < 0 and (y_above_lbound < 0 or y < math.exp(-x)):
            return x + shift


def _normal_tail(stream: Mt19937Stream) -> float:
    """Boost's tail beyond ``table_x[1]``: exponential rejection, log-transformed test."""
    while True:
        x = boost_unit_exponential(stream) / _TAIL_START
        y = boost_unit_exponential(stream)
        if 2 * y > x * x:
            return x + _TAIL_START


def boost_unit_normal(stream: Mt19937Stream) -> float:
    """Boost 1.74 ``normal_distribution<double>(0, 1)`` (128-layer ziggurat), bit for bit.

    Most draws take two outputs; wedge tests take a third, the tail takes more.
    """
    nx, ny = _NX, _NY
    while True:
        r, i = _int_float_pair(stream)
        sign = (i & 1) * 2 - 1
        i >>= 1
        x = r * nx[i]
        if x < nx[i + 1]:
            return x * sign
        if i == 0:
            return _normal_tail(stream) * sign
        y01 = boost_uniform_01(stream)
        y = ny[i] + y01 * (ny[i + 1] - ny[i])
        # Convex layers (x >= 1, the inflection layer included) swap the bounds of concave ones.
        chord = (nx[i] - nx[i + 1]) * y01 - (nx[i] - x)
        tangent = y - (ny[i] + (nx[i] - x) * ny[i] * nx[i])
        if nx[i] >= 1:
            y_above_ubound, y_above_lbound = chord, tangent
        else:
            y_above_ubound, y_above_lbound = tangent, chord
        if y_above_ubound < 0 and (y_above_lbound < 0 or y < math.exp(-(x * x / 2))):
            return x * sign


# --------------------------------------------------------------------------------------------
# Cell2Fire's per-fire draws
# --------------------------------------------------------------------------------------------
def _as_count(value, name: str, minimum: int | None) -> int:
    """``value`` as an int (NumPy integers included), or a ConfigError naming ``name``."""
    try:
        count = operator.index(value)
    except TypeError:
        bound = "" if minimum is None else f" >= {minimum}"
        raise ConfigError(f"{name} must be an integer, got {value!r}; pass a whole "
                          f"number{bound}.") from None
    if minimum is not None and count < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {count}; pass a larger value.")
    return count


def draw_fire_scenarios(
    seed: int, n_fires: int, n_weathers: int, n_candidates: int, first: int = 0
) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weather number, normal draw and ignition-candidate index of each fire, as C2F-W draws them.

    Args:
        seed: Cell2Fire's ``--seed``; fire ``ep`` (1-based) uses ``mt19937(seed * ep)``.
        n_fires: number of fires (``--nsims``).
        n_weathers: ``--nweathers``; weather numbers are drawn in ``1..n_weathers``.
        n_candidates: length of the ignition candidate list (see :func:`ignition_candidates`);
            indices are drawn in ``0..n_candidates-1``.
        first: fires ``first+1 .. first+n_fires`` (1-based) are drawn: a block of a longer run.

    Returns:
        ``(weather int64[N] in 1..n_weathers, z float64[N] standard normal,
        candidate int64[N] in 0..n_candidates-1)``.
    """
    seed = _as_count(seed, "seed", None)
    n_fires = _as_count(n_fires, "n_fires", 0)
    n_weathers = _as_count(n_weathers, "n_weathers", 1)
    n_candidates = _as_count(n_candidates, "n_candidates", 1)
    first = _as_count(first, "first", 0)
    weather = np.empty(n_fires, dtype=np.int64)
    z = np.empty(n_fires, dtype=np.float64)
    candidate = np.empty(n_fires, dtype=np.int64)
    stream = Mt19937Stream()
    for k, value in enumerate(fire_stream_seeds(seed, n_fires, first).tolist()):
        stream.seed(value)
        weather[k] = boost_uniform_int(stream, 1, n_weathers)
        z[k] = boost_unit_normal(stream)
        candidate[k] = boost_uniform_int(stream, 0, n_candidates - 1)
    return weather, z, candidate


def fire_stream_seeds(seed: int, n_fires: int, first: int = 0) -> np.ndarray:
    """The mt19937 seed of each fire's main stream: ``seed * ep`` wrapped to 32 bits, for fires
    ``ep = first+1 .. first+n_fires`` (``uint32 [n_fires]``; :func:`draw_fire_scenarios` seeds
    exactly these, so two fire sets share a fire exactly when they share one of these seeds)."""
    seed = _as_count(seed, "seed", None)
    return np.array([(seed * e) & _MASK32 for e in range(first + 1, first + n_fires + 1)], dtype=np.uint32)


def ignition_stream_seeds(seed: int, n_fires: int, n_cells: int, first: int = 0) -> np.ndarray:
    """The mt19937 seed of each fire's ignition stream when fires start anywhere
    (:func:`random_ignition_draws`): ``seed * ep * n_cells`` wrapped to 32 bits, ``uint32 [n_fires]``."""
    seed = _as_count(seed, "seed", None)
    n_cells = _as_count(n_cells, "n_cells", 1)
    return np.array([(seed * e * n_cells) & _MASK32 for e in range(first + 1, first + n_fires + 1)],
                    dtype=np.uint32)


def _c2f_adjacent(cell: int, rows: int, cols: int) -> list:
    """C2F-W's ``adjacentCells`` (1-based ids, -1 = off the grid), its edge tests kept as is."""
    total = rows * cols
    north = -1 if cell <= cols else cell - cols
    south = -1 if cell + cols > total else cell + cols
    east = -1 if cell % cols == 0 else cell + 1
    west = -1 if cell % cols == 1 else cell - 1
    northeast = -1 if (cell < cols or cell % cols == 0) else cell - cols + 1
    southeast = -1 if (cell + cols > total or cell % cols == 0) else cell + cols + 1
    southwest = -1 if (cell % cols == 1 or cell + cols > total) else cell + cols - 1
    northwest = -1 if (cell % cols == 1 or cell < cols) else cell - cols - 1
    return [west, east, southwest, southeast, south, northwest, northeast, north]


def ignition_candidates(ignition_cell: int, radius: int, shape: Tuple[int, int]) -> np.ndarray:
    """C2F-W's ``--IgnitionRad`` candidate list: 0-based flat cell ids in the binary's order.

    C2F-W grows the set ring by ring through its 8-neighbour adjacency (clipped at the grid
    edges), then sorts it: the result is the ``(2r+1) x (2r+1)`` block around the cell, cut at
    the edges, in ascending row-major id (on a one-row grid radius 2 skips the cell's own
    neighbours, as the binary does). Radius 0 means the cell itself; a radius that reaches past
    every edge makes every cell a candidate (what the binary draws from with that radius).
    """
    rows, cols = (int(v) for v in shape)
    if rows < 1 or cols < 2:
        raise LandscapeError(f"grid shape {shape} is too small for Cell2Fire; a landscape "
                             "needs at least 1 row and 2 columns.")
    cell = _as_count(ignition_cell, "ignition_cell", 0)
    radius = _as_count(radius, "ignition_radius", 0)
    if cell >= rows * cols:
        raise LandscapeError(f"ignition cell {cell} (0-based) is outside the {rows}x{cols} grid; "
                             f"use a cell id in 0..{rows * cols - 1} (Ignitions.csv holds "
                             f"1-based ids 1..{rows * cols}).")
    cid = cell + 1
    if radius == 0:
        return np.array([cell], dtype=np.int64)
    ring = [nb for nb in _c2f_adjacent(cid, rows, cols) if nb != -1]
    if radius == 1:
        return np.array(sorted(set(ring) | {cid}), dtype=np.int64) - 1
    # C2F-W's loop: found = {cell} + neighbours of the ring; then, radius - 2 more times, found +=
    # neighbours of everything found. Only cells new in the last step can add new neighbours, so
    # expand that frontier alone (O(radius^2) work, and it stops when the grid is covered).
    found = {cid}
    for c in ring:
        found.update(nb for nb in _c2f_adjacent(c, rows, cols) if nb != -1)
    frontier = set(found)  # the first "everything found" step looks at all of it
    for _ in range(2, radius):
        new = set()
        for c in frontier:
            new.update(nb for nb in _c2f_adjacent(c, rows, cols) if nb != -1 and nb not in found)
        if not new:  # nothing new: every later step would add nothing either
            break
        found |= new
        frontier = new
    return np.array(sorted(found), dtype=np.int64) - 1


def random_ignition_draws(seed: int, ep: int, n_cells: int, n_draws: int) -> np.ndarray:
    """The cells C2F-W tries, in order, for fire ``ep`` when no Ignitions.csv is given.

    Without ``--ignitions`` C2F-W draws ``uniform_int(1, n_cells)`` from a second engine,
    ``mt19937(seed * ep * n_cells)``, until a drawn cell is available and ignites (and gives up
    after ``n_cells * 100 + 1`` draws). This returns the first ``n_draws`` tries as 0-based
    cell ids; the caller keeps the first one that would ignite.
    """
    seed = _as_count(seed, "seed", None)
    ep = _as_count(ep, "ep", 1)
    n_cells = _as_count(n_cells, "n_cells", 1)
    n_draws = _as_count(n_draws, "n_draws", 0)
    stream = Mt19937Stream(int(ignition_stream_seeds(seed, 1, n_cells, first=ep - 1)[0]))
    return np.array([boost_uniform_int(stream, 1, n_cells) - 1 for _ in range(n_draws)],
                    dtype=np.int64)
